package dev.twostep.app;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.audit.AuditLog;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.RecoveryCodeDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.web.Flash;
import dev.twostep.web.RecoveryCodesServlet;
import dev.twostep.web.RememberedDevices;
import dev.twostep.web.Requests;
import dev.twostep.web.SignOuts;
import dev.twostep.web.Views;

/**
 * The account page, behind the guard: who is signed in, where codes go, how many recovery codes are left
 * (and, once, that one was just used), changing the password, sign-out, and signing out everywhere else.
 */
public class AccountServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient PhoneDao phones;
    private transient Views views;
    private transient AuditLog audit;
    private transient RecoveryCodeDao recoveryCodes;

    @Override
    public void init() {
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        views = Attributes.require(getServletContext(), Views.class);
        audit = Attributes.require(getServletContext(), AuditLog.class);
        recoveryCodes = Attributes.require(getServletContext(), RecoveryCodeDao.class);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // The guard filter let this request through, so the session is verified.
        GuardState state = GuardSession.state(request).orElseThrow();
        Map<String, Object> vars = new HashMap<>();
        vars.put("username", state.username());
        phones.find(state.username()).ifPresent(p -> {
            vars.put("lastDigits", PhoneMask.lastDigits(p.e164()));
            vars.put("channel", p.channel().name().toLowerCase(java.util.Locale.ROOT));
        });
        vars.put("activity", dev.twostep.web.Activity.rows(request, audit.recent(state.username(), 10)));
        var recovery = recoveryCodes.summary(state.username());
        vars.put("recoverySet", recovery.isPresent());
        vars.put("recoveryLeft", recovery.map(RecoveryCodeDao.Summary::remaining).orElse(0));
        Object used = request.getSession().getAttribute(RecoveryCodesServlet.USED_FLASH);
        request.getSession().removeAttribute(RecoveryCodesServlet.USED_FLASH);
        vars.put("recoveryUsed", used);
        String flash = Flash.take(request);
        vars.put("phoneChanged", "phone-changed".equals(flash));
        vars.put("rememberOn", RememberedDevices.of(getServletContext()).enabled());
        vars.put("devicesForgotten", "devices-forgotten".equals(flash));
        vars.put("signedOutElsewhere", "signed-out-elsewhere".equals(flash));
        vars.put("passwordChanged", "password-changed".equals(flash));
        views.render(request, response, HttpServletResponse.SC_OK, "account", vars);
    }

    /**
     * "Forget all remembered devices": every device of this user asks for the second step again. "Sign out
     * everywhere else": every other session of this user ends too ({@link SignOuts}).
     */
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = GuardSession.state(request).orElseThrow();
        String action = request.getParameter("action");
        if ("forget-devices".equals(action)) {
            int forgotten = RememberedDevices.of(getServletContext()).forgetAll(state.username());
            audit.record(AuditLog.Event.DEVICES_FORGOTTEN, state.username(),
                    Requests.client(getServletContext(), request), Integer.toString(forgotten));
            Flash.set(request, "devices-forgotten");
            Http.seeOther(request, response, "/account");
        } else if ("sign-out-everywhere".equals(action)) {
            SignOuts.of(getServletContext()).signOutEverywhereElse(request, state.username());
            Flash.set(request, "signed-out-elsewhere");
            Http.seeOther(request, response, "/account");
        } else {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
        }
    }
}
