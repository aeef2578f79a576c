package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.Factor;
import dev.twostep.factor.Factors;
import dev.twostep.factor.RememberedDevice;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.factor.TotpFactor;
import dev.twostep.factor.TotpFactorDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;

/**
 * The security page ({@code <pages-path>/security}), for a session that passed both steps: the user's
 * factors with when they were added and last used, links to add more, the remembered devices (when
 * {@code twostep.remember-device.days} is on) and the recent activity.
 *
 * <p>Removing a phone or an app needs a second step passed within {@code twostep.security.fresh-minutes}
 * (default 5); an older one is asked to "confirm it's you", which sends the session back to the code step
 * ({@link GuardSession#stepUp}) and then here. The last phone or app is never removed: recovery codes alone
 * do not count, as they run out. Every change goes through {@link FactorChanges}. Each POST answers with a
 * redirect here and a notice shown once, or with the page and a message saying why nothing was done.
 */
public class SecurityServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The notice (a message key) the next view of the page shows once. */
    static final String FLASH = SecurityServlet.class.getName() + ".flash";
    static final int ACTIVITY = 20;

    private transient Factors factors;
    private transient TotpFactorDao apps;
    private transient PhoneDao phones;
    private transient RememberedDeviceDao devices;
    private transient RememberedDevices remembered;
    private transient AuditLog audit;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;

    @Override
    public void init() {
        factors = Attributes.require(getServletContext(), Factors.class);
        apps = Attributes.require(getServletContext(), TotpFactorDao.class);
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        devices = Attributes.require(getServletContext(), RememberedDeviceDao.class);
        remembered = RememberedDevices.of(getServletContext());
        audit = Attributes.require(getServletContext(), AuditLog.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = Requests.fullySignedIn(request, response, config, clock.millis());
        if (state == null) {
            return;
        }
        HttpSession session = request.getSession();
        Object flash = session.getAttribute(FLASH);
        session.removeAttribute(FLASH);
        show(request, response, HttpServletResponse.SC_OK, state, flash instanceof String key ? key : null, null);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState state = Requests.fullySignedIn(request, response, config, clock.millis());
        if (state == null) {
            return;
        }
        String action = request.getParameter("action");
        switch (action == null ? "" : action) {
            case "remove-app" -> removeApp(request, response, state);
            case "remove-phone" -> removePhone(request, response, state);
            case "revoke-device" -> revokeDevice(request, response, state);
            case "forget-devices" -> forgetDevices(request, response, state);
            case "confirm" -> confirm(request, response, state);
            case "sign-out-everywhere" -> {
                SignOuts.of(getServletContext()).signOutEverywhereElse(request, state.username());
                done(request, response, "account.signOutEverywhere.done");
            }
            default -> show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, null,
                    "security.error.badRequest");
        }
    }

    private void removeApp(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        Long id = id(request);
        if (id == null) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, null, "security.error.badRequest");
            return;
        }
        // Another user's id finds nothing: every look-up and the delete are by id and user name.
        Optional<TotpFactor> app = apps.find(id, state.username()).filter(TotpFactor::confirmed);
        if (app.isEmpty()) {
            show(request, response, HttpServletResponse.SC_NOT_FOUND, state, null, "security.error.notFound");
            return;
        }
        if (refusedBeforeRemoving(request, response, state)) {
            return;
        }
        if (!removed(request, response, state, factors.removeApp(state.username(), id))) {
            return;
        }
        FactorChanges.of(getServletContext()).changed(request, state.username(), FactorChanges.Change.APP_REMOVED,
                app.get().label());
        done(request, response, "security.done.appRemoved");
    }

    private void removePhone(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        Optional<Phone> phone = phones.find(state.username()).filter(Phone::confirmed);
        if (phone.isEmpty()) {
            show(request, response, HttpServletResponse.SC_NOT_FOUND, state, null, "security.error.notFound");
            return;
        }
        if (refusedBeforeRemoving(request, response, state)) {
            return;
        }
        if (!removed(request, response, state, factors.removePhone(state.username(), phone.get().e164()))) {
            return;
        }
        FactorChanges.of(getServletContext()).phoneRemoved(request, state.username(), phone.get());
        done(request, response, "security.done.phoneRemoved");
    }

    /** True when it was removed; else the page says why not (someone else removed it, or it is the last). */
    private boolean removed(HttpServletRequest request, HttpServletResponse response, GuardState state,
                            Factors.Removal removal) throws IOException {
        switch (removal) {
            case REMOVED -> {
                return true;
            }
            case LAST -> show(request, response, HttpServletResponse.SC_CONFLICT, state, null, "security.error.lastFactor");
            default -> show(request, response, HttpServletResponse.SC_NOT_FOUND, state, null, "security.error.notFound");
        }
        return false;
    }

    /**
     * The two rules of removing, answered on the page: the last phone or app stays (409), and a second step
     * older than the fresh setting is asked to confirm first ({@link FreshStep}: 403 with the "Confirm it's
     * you" button, as for adding a factor).
     */
    private boolean refusedBeforeRemoving(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        if (signInFactors(factors.list(state.username())) <= 1) {
            show(request, response, HttpServletResponse.SC_CONFLICT, state, null, "security.error.lastFactor");
            return true;
        }
        return FreshStep.of(getServletContext()).confirmFirst(request, response, state, "security");
    }

    private void revokeDevice(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        if (!remembered.enabled()) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, null, "security.error.remembering");
            return;
        }
        Long id = id(request);
        if (id == null) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, null, "security.error.badRequest");
            return;
        }
        long now = clock.millis();
        Optional<RememberedDevice> device = devices.listLive(state.username(), now).stream()
                .filter(d -> d.id() == id).findFirst();
        if (device.isEmpty() || !devices.revoke(id, state.username(), now)) {
            show(request, response, HttpServletResponse.SC_NOT_FOUND, state, null, "security.error.notFound");
            return;
        }
        audit.record(AuditLog.Event.DEVICE_REVOKED, state.username(), Requests.client(getServletContext(), request),
                device.get().label());
        done(request, response, "security.done.deviceRevoked");
    }

    private void forgetDevices(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        if (!remembered.enabled()) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, null, "security.error.remembering");
            return;
        }
        int forgotten = remembered.forgetAll(state.username());
        audit.record(AuditLog.Event.DEVICES_FORGOTTEN, state.username(), Requests.client(getServletContext(), request),
                Integer.toString(forgotten));
        done(request, response, "security.done.devicesForgotten");
    }

    /** "Confirm it's you": back to the code step of this sign-in, then to the page the form names. */
    private void confirm(HttpServletRequest request, HttpServletResponse response, GuardState state) {
        FreshStep.of(getServletContext()).confirm(request, response, state,
                FreshStep.returnPath(config, request.getParameter("then")), null);
    }

    private void done(HttpServletRequest request, HttpServletResponse response, String noticeKey) {
        request.getSession().setAttribute(FLASH, noticeKey);
        Http.seeOther(request, response, config.pagesPath() + "/security");
    }

    /** The form's id: a positive decimal number, else null. */
    static Long id(HttpServletRequest request) {
        String value = request.getParameter("id");
        if (value == null || value.isEmpty() || value.length() > 19 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            long id = Long.parseLong(value);
            return id > 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The factors that can sign in for good: phones and apps. Recovery codes run out, so they do not count. */
    static int signInFactors(List<Factor> list) {
        return (int) list.stream().filter(f -> f instanceof Factor.PhoneFactor || f instanceof Factor.AppFactor)
                .count();
    }

    private void show(HttpServletRequest request, HttpServletResponse response, int status, GuardState state,
                      String noticeKey, String errorKey) throws IOException {
        String user = state.username();
        long now = clock.millis();
        List<Factor> list = factors.list(user);
        Map<String, Object> vars = new HashMap<>();
        List<Map<String, Object>> appRows = new ArrayList<>();
        for (Factor f : list) {
            if (f instanceof Factor.PhoneFactor p) {
                vars.put("phone", row("lastDigits", PhoneMask.lastDigits(p.phone().e164()),
                        "channel", p.phone().channel().name().toLowerCase(Locale.ROOT),
                        "added", when(p.addedAt()), "lastUsed", when(p.lastUsedAt())));
            } else if (f instanceof Factor.AppFactor a) {
                appRows.add(row("id", a.id(), "label", a.label(), "added", when(a.addedAt()),
                        "lastUsed", when(a.lastUsedAt())));
            } else if (f instanceof Factor.RecoveryCodesFactor r) {
                vars.put("recovery", row("remaining", r.remaining(), "total", r.total(), "added", when(r.addedAt()),
                        "lastUsed", when(r.lastUsedAt())));
            }
        }
        vars.put("apps", appRows);
        vars.put("canRemove", signInFactors(list) > 1);
        vars.put("offersApp", config.offers(TwostepConfig.FactorKind.TOTP));
        vars.put("offersPhone", !vars.containsKey("phone") && !config.channels().isEmpty());
        vars.put("rememberOn", remembered.enabled());
        vars.put("devices", remembered.enabled() ? devices.listLive(user, now).stream().map(d -> row("id", d.id(),
                "label", d.label(), "added", when(d.createdAt()), "lastUsed", when(d.lastSeenAt()),
                "expires", when(d.expiresAt()))).toList() : List.of());
        vars.put("activity", Activity.rows(request, audit.recent(user, ACTIVITY)));
        vars.put("next", config.successUrl());
        vars.put("notice", noticeKey == null ? null : Views.message(request, noticeKey));
        vars.put("error", errorKey == null ? null : Views.message(request, errorKey));
        views.render(request, response, status, "security", vars);
    }

    /** A template row from name/value pairs. */
    static Map<String, Object> row(Object... pairs) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            row.put((String) pairs[i], pairs[i + 1]);
        }
        return row;
    }

    /** A date as the account page shows them, in UTC; null stays null (never used). */
    private static String when(Long millis) {
        return Activity.utc(millis);
    }
}
