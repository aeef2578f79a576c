package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import dev.twostep.config.TwostepConfig;
import dev.twostep.factor.AuthenticatorApps;
import dev.twostep.factor.QrSvg;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.guard.SetupOwed;

/**
 * Adding an authenticator app ({@code <pages-path>/app}), for a session that passed both steps, or as the
 * first factor of a user at the code step who has none yet (where the operator offers apps). Viewing
 * the page makes a new secret, stored sealed and unconfirmed, and shows it as a QR code (inline SVG, so the
 * page's {@code default-src 'none'} policy holds) and as text; the app counts once a first code from it
 * confirmed it. The app being added is remembered in the session, so the code confirms that app only.
 */
public class AuthenticatorServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String PENDING = AuthenticatorServlet.class.getName() + ".pending";

    private transient AuthenticatorApps apps;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;
    private transient PhoneDao phones;
    private transient Enrollment enrollment;
    private transient SecondStep secondStep;

    @Override
    public void init() {
        apps = Attributes.require(getServletContext(), AuthenticatorApps.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        enrollment = Enrollment.of(getServletContext());
        secondStep = SecondStep.of(getServletContext());
    }

    /**
     * The user who may add an app here: a signed-in one, or, where the operator offers apps, one at the code
     * step who has no factor yet and may set one up (trust on first use, as for a first phone). Null after
     * answering anyone else.
     */
    private GuardState adding(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<GuardState> current = GuardSession.current(request, config, clock.millis(), true);
        if (current.isPresent() && !current.get().verified()) {
            String username = current.get().username();
            if (!phones.find(username).map(Phone::confirmed).orElse(false) && !apps.hasConfirmed(username)) {
                if (!config.offers(TwostepConfig.FactorKind.TOTP)) {
                    Http.seeOther(request, response, config.pagesPath() + "/enroll");
                    return null;
                }
                Optional<String> refused = enrollment.refusal(username);
                if (refused.isPresent()) {
                    enrollment.refuse(request, response, refused.get());
                    return null;
                }
                return current.get();
            }
        }
        GuardState state = Requests.fullySignedIn(request, response, config, clock.millis());
        if (state != null && !config.offers(TwostepConfig.FactorKind.TOTP)) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return null;
        }
        if (state != null && FreshStep.of(getServletContext()).confirmFirst(request, response, state, "app")) {
            return null;
        }
        return state;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = adding(request, response);
        if (state == null) {
            return;
        }
        AuthenticatorApps.Pending pending = apps.begin(state.username());
        request.getSession().setAttribute(PENDING, pending.id());
        show(request, response, HttpServletResponse.SC_OK, state, pending, null);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState state = adding(request, response);
        if (state == null) {
            return;
        }
        HttpSession session = request.getSession();
        Optional<AuthenticatorApps.Pending> pending = session.getAttribute(PENDING) instanceof Long id
                ? apps.pending(state.username(), id) : Optional.empty();
        if (pending.isEmpty()) {
            // Never begun in this session, or begun again elsewhere: start over with a new secret.
            Http.seeOther(request, response, config.pagesPath() + "/app");
            return;
        }
        Optional<String> label;
        try {
            label = AuthenticatorApps.label(request.getParameter("label"));
        } catch (IllegalArgumentException tooLong) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, pending.get(), "app.error.label");
            return;
        }
        String typed = request.getParameter("code");
        if (!AuthenticatorApps.wellFormed(typed)) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, pending.get(), "app.error.malformed");
            return;
        }
        if (!apps.confirm(state.username(), pending.get().id(), typed)) {
            show(request, response, Http.UNPROCESSABLE, state, pending.get(), "app.error.wrong");
            return;
        }
        session.removeAttribute(PENDING);
        label.ifPresent(name -> apps.rename(state.username(), pending.get().id(), name));
        FactorChanges.of(getServletContext()).changed(request, state.username(), FactorChanges.Change.APP_ADDED,
                label.orElse(AuthenticatorApps.DEFAULT_LABEL));
        if (!state.verified()) {
            // The first factor of this user, set up at sign-in: it passed the second step with its first code.
            if (!GuardSession.secondStepPassedWithoutChallenge(request, state)) {
                Http.seeOther(request, response, config.pagesPath() + "/code");
                return;
            }
            if (!config.requiredFactors().isEmpty() && secondStep.owed(state.username()).isPresent()) {
                SetupOwed.set(request.getSession());
            }
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("done", true);
        vars.put("next", secondStep.next(request));
        views.render(request, response, HttpServletResponse.SC_OK, "app", vars);
    }

    private void show(HttpServletRequest request, HttpServletResponse response, int status, GuardState state,
                      AuthenticatorApps.Pending pending, String errorKey) throws IOException {
        Map<String, Object> vars = new HashMap<>();
        vars.put("done", false);
        vars.put("qr", QrSvg.render(pending.uri(), Views.message(request, "app.qr.label")));
        vars.put("secret", pending.secretText());
        vars.put("error", errorKey == null ? null : Views.message(request, errorKey));
        vars.put("required", state.verified() && SetupOwed.owed(request));
        vars.put("phoneInstead", !state.verified() && !config.channels().isEmpty());
        String label = request.getParameter("label");
        vars.put("label", label == null || label.length() > 200 ? "" : label);
        views.render(request, response, status, "app", vars);
    }
}
