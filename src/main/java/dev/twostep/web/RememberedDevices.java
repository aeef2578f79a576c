package dev.twostep.web;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.DeviceTokens;
import dev.twostep.factor.RememberedDevice;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;

/**
 * "Remember this device for N days" ({@code twostep.remember-device.days}, 0 = off). After a right code with
 * the box checked, the browser gets a cookie {@value #COOKIE} holding a random token, and the server keeps
 * only the token's keyed hash with the user and an expiry. At the code step, a cookie whose hash names a live
 * device of the same user passes the second step without anything sent; any other cookie is cleared.
 */
public final class RememberedDevices {
    /** The cookie's name. */
    public static final String COOKIE = "twostep_device";
    /** The checkbox's parameter name on the code page's forms. */
    public static final String PARAMETER = "remember";
    private static final int MAX_LABEL = 120;

    private final TwostepConfig config;
    private final DeviceTokens tokens;
    private final RememberedDeviceDao devices;
    private final PhoneDao phones;
    private final AuditLog audit;
    private final Clock clock;

    public RememberedDevices(TwostepConfig config, DeviceTokens tokens, RememberedDeviceDao devices, PhoneDao phones,
                             AuditLog audit, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.devices = Objects.requireNonNull(devices, "devices");
        this.phones = Objects.requireNonNull(phones, "phones");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static RememberedDevices of(ServletContext context) {
        return Attributes.require(context, RememberedDevices.class);
    }

    /** Whether the setting is on. */
    public boolean enabled() {
        return config.rememberDeviceDays() > 0;
    }

    /** The days a device is remembered; 0 when off. */
    public int days() {
        return config.rememberDeviceDays();
    }

    /**
     * After a right code: remembers this device when the setting is on and the person checked the box, and
     * sets the cookie. Call before the response is committed.
     */
    public void rememberIfAsked(HttpServletRequest request, HttpServletResponse response, String username) {
        if (!enabled() || request.getParameter(PARAMETER) == null) {
            return;
        }
        String token = tokens.newToken();
        long now = clock.millis();
        Duration lifetime = Duration.ofDays(days());
        AuditLog.Client client = Requests.client(request.getServletContext(), request);
        String label = label(request.getHeader("User-Agent"));
        devices.add(username, tokens.hash(token).orElseThrow(), label, now, now + lifetime.toMillis());
        response.addHeader("Set-Cookie", cookie(request, token, lifetime.toSeconds()));
        audit.record(AuditLog.Event.DEVICE_REMEMBERED, username, client, days() + " days");
    }

    /**
     * At the code step, before anything is sent: when the request carries the cookie of a live device of this
     * user (whose phone is confirmed), passes the second step (a new session id), notes the device as seen and
     * returns true; the caller then goes on as after a right code. A cookie that names no live device of
     * this user is cleared, and false is returned. A session {@linkplain GuardState#steppingUp() stepping up}
     * is never passed by its device.
     */
    public boolean signInIfRemembered(HttpServletRequest request, HttpServletResponse response, GuardState state) {
        String token = cookieValue(request);
        if (token == null || state.steppingUp()) {
            // Stepping up is asking the person, not the browser: a remembered device does not answer it.
            return false;
        }
        if (!enabled()) {
            clear(request, response);
            return false;
        }
        long now = clock.millis();
        Optional<RememberedDevice> device = tokens.hash(token).flatMap(h -> devices.findLive(h, now))
                .filter(d -> d.username().equals(state.username()));
        if (device.isEmpty() || !hasSignInFactor(request, state.username()) || !devices.touch(device.get().id(), now)) {
            clear(request, response);
            return false;
        }
        if (!GuardSession.secondStepPassedByRememberedDevice(request, state)) {
            return false;
        }
        audit.record(AuditLog.Event.SIGNED_IN_REMEMBERED_DEVICE, state.username(),
                Requests.client(request.getServletContext(), request), device.get().label());
        return true;
    }

    /**
     * Whether the user still has a factor of their own to sign in with (a confirmed phone or app): a device
     * remembered for a user whose factors were all reset by an operator opens nothing.
     */
    private boolean hasSignInFactor(HttpServletRequest request, String username) {
        if (phones.find(username).map(Phone::confirmed).orElse(false)) {
            return true;
        }
        dev.twostep.factor.AuthenticatorApps apps = Attributes.find(request.getServletContext(),
                dev.twostep.factor.AuthenticatorApps.class);
        return apps != null && apps.hasConfirmed(username);
    }

    /** Revokes all of the user's remembered devices; returns how many were revoked. */
    public int forgetAll(String username) {
        return devices.revokeAll(username, clock.millis());
    }

    private static String cookieValue(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie c : cookies) {
            if (COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    private static void clear(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader("Set-Cookie", cookie(request, "", 0));
    }

    /** The Set-Cookie header, written out so that SameSite is set whatever the container. */
    private static String cookie(HttpServletRequest request, String value, long maxAgeSeconds) {
        String path = request.getContextPath() == null || request.getContextPath().isEmpty() ? "/"
                : request.getContextPath();
        return COOKIE + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax"
                + (request.isSecure() ? "; Secure" : "");
    }

    /** A short summary of the user agent for the device list: printable ASCII, cut. */
    static String label(String userAgent) {
        if (userAgent == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < userAgent.length() && out.length() < MAX_LABEL; i++) {
            char c = userAgent.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString().trim();
    }
}
