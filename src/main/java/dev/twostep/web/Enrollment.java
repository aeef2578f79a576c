package dev.twostep.web;

import java.io.IOException;
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
import dev.twostep.guard.Attributes;
import dev.twostep.guard.Http;

/**
 * Who may set up a phone at sign-in (trust on first use): only a user who never had a confirmed one. A
 * user whose audit trail shows a confirmed phone, but who has none now (a restore from an older backup,
 * another database, a deleted row), is told to ask the administrator: enrolling a new phone there would
 * let whoever holds only the password bind their own.
 */
final class Enrollment {
    private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);

    private final AuditLog audit;
    private final TwostepConfig config;
    private final Views views;

    private Enrollment(ServletContext context) {
        audit = Attributes.require(context, AuditLog.class);
        config = Attributes.require(context, TwostepConfig.class);
        views = Attributes.require(context, Views.class);
    }

    static Enrollment of(ServletContext context) {
        return new Enrollment(context);
    }

    /**
     * For a user with no confirmed phone: the reason they may not enroll one here (a message key), or empty
     * when they may.
     */
    Optional<String> refusal(String username) {
        if (audit.hadConfirmedFactor(username)) {
            LOG.warn("User {} has no factor but once confirmed one: enrollment refused; restore it or reset the"
                    + " user's factors", LogText.safe(username));
            return Optional.of("enroll.lostPhone");
        }
        return config.selfEnrollment() ? Optional.empty() : Optional.of("enroll.closed");
    }

    /** Sends a user with no phone to enrollment, or answers 403 with the reason they may not enroll. */
    void startOrRefuse(HttpServletRequest request, HttpServletResponse response, String username) throws IOException {
        Optional<String> refused = refusal(username);
        if (refused.isPresent()) {
            refuse(request, response, refused.get());
            return;
        }
        Http.seeOther(request, response, config.pagesPath() + "/enroll");
    }

    void refuse(HttpServletRequest request, HttpServletResponse response, String key) throws IOException {
        views.render(request, response, HttpServletResponse.SC_FORBIDDEN, "error",
                Map.of("status", 403, "messageKey", key, "csrf", ""));
    }
}
