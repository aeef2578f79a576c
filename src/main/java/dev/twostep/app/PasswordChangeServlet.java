package dev.twostep.app;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.audit.AuditLog;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.limits.LimitedException;
import dev.twostep.web.Requests;
import dev.twostep.web.SignOuts;
import dev.twostep.web.Views;

/**
 * Changing the password (/account/password, behind the guard): the current password, checked in the same
 * limits as at sign-in, and the new one twice, under the rules of registration. A change ends every other
 * session of the user and forgets their remembered devices ({@link SignOuts}); this session stays signed in.
 * A refused form changes nothing and says why; passwords are never sent back into the page.
 */
public class PasswordChangeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient AccountService accounts;
    private transient AuditLog audit;
    private transient Views views;

    @Override
    public void init() {
        var c = getServletContext();
        accounts = Attributes.require(c, AccountService.class);
        audit = Attributes.require(c, AuditLog.class);
        views = Attributes.require(c, Views.class);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        render(request, response, HttpServletResponse.SC_OK, new HashMap<>());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = GuardSession.state(request).orElseThrow();
        String current = request.getParameter("current");
        String fresh = request.getParameter("password");
        String confirm = request.getParameter("confirm");
        if (current == null || current.isEmpty() || fresh == null || fresh.isEmpty() || confirm == null
                || confirm.isEmpty()) {
            render(request, response, HttpServletResponse.SC_BAD_REQUEST, "password.error.empty");
            return;
        }
        // The new password is checked before the current one: a form refused for it counts no try.
        if (!fresh.equals(confirm)) {
            render(request, response, Http.UNPROCESSABLE, "password.error.mismatch");
            return;
        }
        if (!AccountService.passwordAcceptable(fresh)) {
            render(request, response, Http.UNPROCESSABLE, "password.error.rules");
            return;
        }
        AuditLog.Client client = Requests.client(getServletContext(), request);
        AccountService.SignIn result;
        try {
            result = accounts.changePassword(state.username(), current, fresh, client.address());
        } catch (HashingBusyException e) {
            Requests.retryAfter(response, e.retryAfter());
            render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "error.busy");
            return;
        }
        switch (result.outcome()) {
            case THROTTLED -> {
                audit.record(AuditLog.Event.SIGN_IN_THROTTLED, state.username(), client, "password change");
                Requests.retryAfter(response, result.retryAfter());
                Map<String, Object> vars = new HashMap<>();
                vars.put("errorText", Views.message(request, "password.error.throttled",
                        LimitedException.minutes(result.retryAfter())));
                render(request, response, Http.TOO_MANY, vars);
            }
            case WRONG -> {
                audit.record(AuditLog.Event.SIGN_IN_FAILED, state.username(), client, "password change");
                if (result.locked()) {
                    audit.record(AuditLog.Event.LOCKOUT, state.username(), client, "password");
                }
                render(request, response, Http.UNPROCESSABLE, "password.error.wrong");
            }
            case OK -> {
                audit.record(AuditLog.Event.PASSWORD_CHANGED, state.username(), client, null);
                // A changed password ends every other session and revokes every remembered device (issue 12).
                SignOuts.of(getServletContext()).signOutEverywhereElse(request, state.username());
                dev.twostep.web.FactorChanges.of(getServletContext()).passwordChanged(request, state.username());
                dev.twostep.web.Flash.set(request, "password-changed");
                Http.seeOther(request, response, "/account");
            }
        }
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, String error)
            throws IOException {
        Map<String, Object> vars = new HashMap<>();
        vars.put("errorText", Views.message(request, error));
        // The field the error is about, so the page can tie the message to it.
        vars.put("errorField", switch (error) {
            case "password.error.mismatch" -> "confirm";
            case "password.error.rules" -> "password";
            case "password.error.wrong", "password.error.empty" -> "current";
            default -> null;
        });
        render(request, response, status, vars);
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, Map<String, Object> vars)
            throws IOException {
        views.render(request, response, status, "password", vars);
    }
}
