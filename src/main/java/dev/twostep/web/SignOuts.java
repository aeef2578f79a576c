package dev.twostep.web;

import java.time.Clock;
import java.util.Objects;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;

import dev.twostep.audit.AuditLog;
import dev.twostep.factor.SignOutDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.SignOutCheck;

/**
 * "Sign out everywhere else": every other sign-in of a user ends, on every server sharing the database, and
 * every remembered device of theirs asks for the second step again. For the account page, the guard's
 * security page, a password change, and host apps (find it with {@link #of(ServletContext)}).
 */
public final class SignOuts {
    private final SignOutDao signOuts;
    private final SignOutCheck check;
    private final RememberedDevices devices;
    private final AuditLog audit;
    private final Clock clock;

    public SignOuts(SignOutDao signOuts, SignOutCheck check, RememberedDevices devices, AuditLog audit, Clock clock) {
        this.signOuts = Objects.requireNonNull(signOuts, "signOuts");
        this.check = Objects.requireNonNull(check, "check");
        this.devices = Objects.requireNonNull(devices, "devices");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static SignOuts of(ServletContext context) {
        return Attributes.require(context, SignOuts.class);
    }

    /**
     * Ends every sign-in of {@code username} but the one of this request, whose session gets a new id and
     * stays signed in: at once on this server, within {@link SignOutCheck#INTERVAL} on the others. Revokes all
     * of the user's remembered devices, and writes {@code SIGNED_OUT_EVERYWHERE} to the audit trail. Call it
     * from a request whose session passed both steps as {@code username}.
     *
     * @return how many remembered devices were revoked
     */
    public int signOutEverywhereElse(HttpServletRequest request, String username) {
        Objects.requireNonNull(username, "username");
        long now = clock.millis();
        // First this session, so that none of its own requests finds it signed out.
        SignOutCheck.keepSignedIn(request, now);
        signOuts.record(username, now);
        check.signedOut(username, now);
        int forgotten = devices.forgetAll(username);
        audit.record(AuditLog.Event.SIGNED_OUT_EVERYWHERE, username, Requests.client(request.getServletContext(),
                request), forgotten + " remembered devices forgotten");
        return forgotten;
    }

    /**
     * An operator ends every sign-in of {@code username} (at once on this server, within
     * {@link SignOutCheck#INTERVAL} on the others) and revokes the user's remembered devices. Audited by the
     * caller, who knows the operator.
     *
     * @return how many remembered devices were revoked
     */
    public int signOutEverywhere(String username) {
        Objects.requireNonNull(username, "username");
        long now = clock.millis();
        signOuts.record(username, now);
        check.signedOut(username, now);
        return devices.forgetAll(username);
    }
}
