package dev.twostep.app;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.guard.ReturnTo;
import dev.twostep.limits.LimitedException;
import dev.twostep.web.CodeSending;
import dev.twostep.web.RememberedDevices;
import dev.twostep.web.SecondStep;
import dev.twostep.web.Requests;
import dev.twostep.web.Views;

/**
 * The standalone app's sign-in page: the first step. A wrong password and an unknown user get the same
 * message and take the same time. Success hands over to the guard's code page. An optional {@code next}
 * parameter is kept only when it is a path inside this app.
 */
public class LoginServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient AccountService accounts;
    private transient Views views;
    private transient TwostepConfig config;
    private transient AuditLog audit;
    private transient CodeSending sending;
    private transient java.time.Clock clock;
    private transient RememberedDevices remembered;

    @Override
    public void init() {
        accounts = Attributes.require(getServletContext(), AccountService.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        audit = Attributes.require(getServletContext(), AuditLog.class);
        sending = CodeSending.of(getServletContext());
        remembered = RememberedDevices.of(getServletContext());
        clock = Attributes.require(getServletContext(), java.time.Clock.class);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (GuardSession.state(request).map(s -> s.verified()).orElse(false)) {
            Http.seeOther(request, response, config.successUrl());
            return;
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("next", ReturnTo.safe(request.getParameter("next")));
        String flash = dev.twostep.web.Flash.take(request);
        vars.put("notice", "signed-out".equals(flash) ? "login.signedOut"
                : "timed-out".equals(flash) ? "login.timedOut" : null);
        views.render(request, response, HttpServletResponse.SC_OK, "login", vars);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String username = AccountService.normalizeUsername(request.getParameter("username"));
        String password = request.getParameter("password");
        String next = ReturnTo.safe(request.getParameter("next"));
        Map<String, Object> vars = new HashMap<>();
        vars.put("username", username.length() > AccountService.MAX_USERNAME ? "" : username);
        vars.put("next", next);
        if (request.getAttribute(dev.twostep.web.CsrfFilter.TIMED_OUT) != null) {
            // Posted after the session ended: the form again, with the name kept and a fresh token, and nothing done.
            vars.put("notice", "login.timedOut");
            views.render(request, response, HttpServletResponse.SC_FORBIDDEN, "login", vars);
            return;
        }
        if (username.isEmpty() || password == null || password.isEmpty()) {
            vars.put("error", "login.error.empty");
            views.render(request, response, HttpServletResponse.SC_BAD_REQUEST, "login", vars);
            return;
        }
        AuditLog.Client client = Requests.client(getServletContext(), request);
        AccountService.SignIn result;
        try {
            result = accounts.signIn(username, password, client.address());
        } catch (HashingBusyException e) {
            // Not a failed sign-in: no try was counted, and the person may simply send the form again.
            Requests.retryAfter(response, e.retryAfter());
            vars.put("error", "error.busy");
            views.render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "login", vars);
            return;
        }
        // A typed name that is no account is often a password typed in the wrong field: not recorded.
        String known = result.outcome() == AccountService.SignIn.Outcome.OK || accounts.exists(username) ? username : null;
        if (result.outcome() == AccountService.SignIn.Outcome.THROTTLED) {
            audit.record(AuditLog.Event.SIGN_IN_THROTTLED, known, client, null);
            Requests.retryAfter(response, result.retryAfter());
            vars.put("error", "login.error.throttled");
            vars.put("errorText", Views.message(request, "login.error.throttled",
                    LimitedException.minutes(result.retryAfter())));
            views.render(request, response, Http.TOO_MANY, "login", vars);
            return;
        }
        if (result.outcome() == AccountService.SignIn.Outcome.WRONG) {
            audit.record(AuditLog.Event.SIGN_IN_FAILED, known, client, known == null ? "unknown user" : null);
            if (result.locked()) {
                audit.record(AuditLog.Event.LOCKOUT, known, client, "password");
            }
            vars.put("error", "login.error.wrong");
            views.render(request, response, Http.UNPROCESSABLE, "login", vars);
            return;
        }
        audit.record(AuditLog.Event.SIGN_IN_OK, username, client, null);
        GuardState state = GuardSession.firstStepPassed(request, username, clock.millis());
        if (next != null) {
            ReturnTo.save(request.getSession(), next);
        }
        if (remembered.signInIfRemembered(request, response, state)) {
            // A remembered device of this user: nothing is sent.
            SecondStep.of(getServletContext()).passed(request, response, username);
            return;
        }
        // This POST is the person asking to sign in: the code goes now, never from a page view.
        sending.sendFirst(request, state);
        Http.seeOther(request, response, config.pagesPath() + "/code");
    }
}
