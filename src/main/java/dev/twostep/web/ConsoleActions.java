package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.LogText;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.Factors;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;

/**
 * What an operator does to a user from the console's user page, each a POST ({@code action}): unlock the
 * sign-in or the second step, revoke the remembered devices, end every session, and reset a lost factor.
 * Each is written to the user's audit trail with the operator's name ("by alice"). A reset also needs the
 * operator's own second step within {@code twostep.security.fresh-minutes} and a typed reason; it is never
 * allowed on the operator's own account; it ends the user's sessions and remembered devices and tells the
 * user's phone (the one removed, when it is the phone: a user whose phone was stolen is not told, but a user
 * whose operator was talked into it is).
 */
final class ConsoleActions {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleActions.class);
    /** The longest reason a reset takes (it goes into the audit detail, 255 characters with the rest). */
    static final int REASON_MAX = 200;

    /** What an action did: done (redirect with a notice), or refused with a status and a message. */
    record Outcome(boolean done, int status, String messageKey) {
        static Outcome done(String noticeKey) {
            return new Outcome(true, HttpServletResponse.SC_SEE_OTHER, noticeKey);
        }

        static Outcome refused(int status, String errorKey) {
            return new Outcome(false, status, errorKey);
        }
    }

    private final ServletContext context;
    private final TwostepConfig config;
    private final Clock clock;
    private final Jdbc jdbc;
    private final LockKeys lockKeys;
    private final Factors factors;
    private final PhoneDao phones;
    private final AuditLog audit;
    private final CodeSender sender;
    private final Views views;

    ConsoleActions(ServletContext context) {
        this.context = context;
        config = Attributes.require(context, TwostepConfig.class);
        clock = Attributes.require(context, Clock.class);
        jdbc = Attributes.require(context, Jdbc.class);
        lockKeys = Attributes.require(context, LockKeys.class);
        factors = Attributes.require(context, Factors.class);
        phones = Attributes.require(context, PhoneDao.class);
        audit = Attributes.require(context, AuditLog.class);
        sender = Attributes.require(context, CodeSender.class);
        views = Attributes.require(context, Views.class);
    }

    /**
     * Runs the request's action on user {@code name} (who exists). Null when the answer was given here (the
     * "confirm it's you" page, or the way to the code step).
     */
    Outcome run(HttpServletRequest request, HttpServletResponse response, GuardState operator, String name)
            throws IOException {
        String action = request.getParameter("action");
        return switch (action == null ? "" : action) {
            case "unlock" -> unlock(request, operator, name);
            case "revoke-devices" -> {
                int revoked = RememberedDevices.of(context).forgetAll(name);
                record(request, AuditLog.Event.OPERATOR_DEVICES_REVOKED, name, operator, revoked + " revoked");
                yield Outcome.done("console.done.devicesRevoked");
            }
            case "end-sessions" -> {
                int revoked = SignOuts.of(context).signOutEverywhere(name);
                record(request, AuditLog.Event.OPERATOR_SIGNED_OUT, name, operator,
                        revoked + " remembered devices revoked");
                yield Outcome.done("console.done.signedOut");
            }
            case "reset" -> reset(request, response, operator, name);
            case "confirm" -> {
                // The operator's own "confirm it's you": the code step, then back to this user's page.
                FreshStep.of(context).confirm(request, response, operator, ConsoleServlet.userPath(config, name),
                        "console");
                yield null;
            }
            default -> Outcome.refused(HttpServletResponse.SC_BAD_REQUEST, "console.error.badRequest");
        };
    }

    private Outcome unlock(HttpServletRequest request, GuardState operator, String name) {
        String scope = request.getParameter("scope");
        String key;
        if ("code".equals(scope)) {
            key = name;
        } else if ("password".equals(scope) && config.identity() == TwostepConfig.Identity.TWOSTEP) {
            key = lockKeys.of(name);
        } else {
            return Outcome.refused(HttpServletResponse.SC_BAD_REQUEST, "console.error.badRequest");
        }
        if (!Lockouts.clear(jdbc, scope, key)) {
            return Outcome.refused(HttpServletResponse.SC_CONFLICT, "console.error.notLocked");
        }
        record(request, AuditLog.Event.OPERATOR_UNLOCKED, name, operator, scope);
        return Outcome.done("console.done.unlocked." + scope);
    }

    private Outcome reset(HttpServletRequest request, HttpServletResponse response, GuardState operator, String name)
            throws IOException {
        Factors.Reset what = switch (String.valueOf(request.getParameter("what"))) {
            case "phone" -> Factors.Reset.PHONE;
            case "all" -> Factors.Reset.ALL;
            default -> null;
        };
        if (what == null) {
            return Outcome.refused(HttpServletResponse.SC_BAD_REQUEST, "console.error.badRequest");
        }
        if (name.equals(operator.username())) {
            return Outcome.refused(HttpServletResponse.SC_FORBIDDEN, "console.error.self");
        }
        String reason = reason(request.getParameter("reason"));
        if (reason == null) {
            return Outcome.refused(HttpServletResponse.SC_BAD_REQUEST, "console.error.reason");
        }
        long now = clock.millis();
        if (!operator.verifiedWithin(config.securityFresh(), now)) {
            Map<String, Object> vars = new HashMap<>();
            vars.put("then", "admin");
            vars.put("name", name);
            vars.put("confirmAction", config.pagesPath() + "/admin/user");
            vars.put("freshMinutes", config.securityFresh().toMinutes());
            views.render(request, response, HttpServletResponse.SC_FORBIDDEN, "confirm", vars);
            return null;
        }
        Optional<Phone> phone = phones.find(name);
        if (factors.reset(name, what, now) == 0) {
            return Outcome.refused(HttpServletResponse.SC_CONFLICT, "console.error.nothingToReset");
        }
        SignOuts.of(context).signOutEverywhere(name);
        record(request, AuditLog.Event.OPERATOR_FACTORS_RESET, name, operator,
                what.name().toLowerCase(java.util.Locale.ROOT) + "; " + reason);
        phone.filter(Phone::confirmed).ifPresent(p -> tell(request, name, p));
        return Outcome.done(what == Factors.Reset.PHONE ? "console.done.phoneReset" : "console.done.allReset");
    }

    /** The typed reason: one line, control and format characters dropped; null when blank or too long. */
    static String reason(String typed) {
        if (typed == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        typed.codePoints().forEach(c -> {
            int type = Character.getType(c);
            out.appendCodePoint(type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR ? ' ' : c);
        });
        String reason = out.toString().strip().replaceAll("\\s+", " ");
        return reason.isEmpty() || reason.codePointCount(0, reason.length()) > REASON_MAX ? null : reason;
    }

    private void record(HttpServletRequest request, AuditLog.Event event, String name, GuardState operator,
                        String detail) {
        audit.record(event, name, Requests.client(context, request), "by " + operator.username() + ": " + detail);
    }

    private void tell(HttpServletRequest request, String name, Phone phone) {
        try {
            // In the site's language: the operator's browser says nothing about the user's.
            sender.notice(phone.e164(), phone.channel(), Views.defaultLanguageMessage(context, "console.notice.reset",
                    config.appName()));
        } catch (DeliveryException | RuntimeException e) {
            LOG.warn("Telling user {} of an operator's reset on the phone {} failed: {}", LogText.safe(name),
                    PhoneMask.mask(phone.e164()), e instanceof DeliveryException d ? d.reason() : e.toString());
        }
    }
}
