package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.enroll.PhoneNumbers;
import dev.twostep.factor.AuthenticatorApps;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.guard.SetupOwed;

/**
 * Enrollment ({@code <pages-path>/enroll}): a user Twostep does not know yet, or whose number is not
 * confirmed, enters a phone number and a channel (or, where the operator offers apps, chooses an
 * authenticator app instead); the code page then confirms the number with a code. A signed-in user with no
 * phone adds one here the same way. A confirmed number is never replaced here: a session that passed only
 * the first step must not be able to move the second step to another phone.
 */
public class EnrollServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient PhoneDao phones;
    private transient PhoneNumbers numbers;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;
    private transient CodeSending sending;
    private transient Enrollment enrollment;
    private transient AuthenticatorApps apps;
    private transient SecondStep secondStep;

    @Override
    public void init() {
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        numbers = Attributes.require(getServletContext(), PhoneNumbers.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
        sending = CodeSending.of(getServletContext());
        enrollment = Enrollment.of(getServletContext());
        apps = Attributes.require(getServletContext(), AuthenticatorApps.class);
        secondStep = SecondStep.of(getServletContext());
    }

    /**
     * The user who may set up a phone here, or null after answering anyone else: someone at the code step
     * with no factor yet (trust on first use, when enrollment is open and the user never had one), or a
     * signed-in user with no confirmed phone (adding one, as the security page or a required phone asks).
     */
    private GuardState enrolling(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<GuardState> state = GuardSession.current(request, config, clock.millis(), true);
        if (state.isEmpty()) {
            Requests.toSignIn(request, response, config);
            return null;
        }
        String username = state.get().username();
        boolean phoneConfirmed = phones.find(username).map(Phone::confirmed).orElse(false);
        if (state.get().verified()) {
            if (phoneConfirmed || config.channels().isEmpty()) {
                Http.seeOther(request, response, secondStep.next(request));
                return null;
            }
            if (FreshStep.of(getServletContext()).confirmFirst(request, response, state.get(), "enroll")) {
                return null;
            }
            return state.get();
        }
        if (phoneConfirmed || apps.hasConfirmed(username)) {
            // A factor to sign in with exists: the code page offers it. Only an operator replaces a lost one.
            Http.seeOther(request, response, config.pagesPath() + "/code");
            return null;
        }
        // Closed enrollment, or a user who once had a confirmed factor: factors are then set up by the
        // operator, never by whoever has the password.
        Optional<String> refused = enrollment.refusal(username);
        if (refused.isPresent()) {
            enrollment.refuse(request, response, refused.get());
            return null;
        }
        if (config.channels().isEmpty()) {
            // The operator offers no phone: an authenticator app is the way in.
            Http.seeOther(request, response, config.pagesPath() + "/app");
            return null;
        }
        return state.get();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = enrolling(request, response);
        if (state == null) {
            return;
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("channel", name(config.channels().contains(Channel.SMS) ? Channel.SMS : Channel.VOICE));
        render(request, response, HttpServletResponse.SC_OK, state, vars);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState state = enrolling(request, response);
        if (state == null) {
            return;
        }
        String phone = request.getParameter("phone");
        Optional<Channel> channel = Channel.parse(request.getParameter("channel")).filter(config.channels()::contains);
        Map<String, Object> vars = new HashMap<>();
        vars.put("phone", phone == null || phone.length() > 40 ? "" : phone);
        vars.put("channel", channel.map(EnrollServlet::name).orElse(null));
        Map<String, String> errors = new HashMap<>();
        PhoneNumbers.Parsed parsed = numbers.parse(phone);
        if (!parsed.ok()) {
            errors.put("phone", "register.error.phone." + parsed.problem().name().toLowerCase(Locale.ROOT));
        }
        if (channel.isEmpty()) {
            errors.put("channel", "register.error.channel");
        }
        if (!errors.isEmpty()) {
            vars.put("errors", errors);
            render(request, response, Http.UNPROCESSABLE, state, vars);
            return;
        }
        phones.setUnconfirmed(state.username(), parsed.e164(), channel.get(), clock.millis());
        // This POST is the person asking for a code to the new number: it goes now, and replaces any earlier one.
        sending.sendFirst(request, state);
        Http.seeOther(request, response, config.pagesPath() + "/code");
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, GuardState state,
                        Map<String, Object> vars) throws IOException {
        vars.put("offersApp", !state.verified() && config.offers(TwostepConfig.FactorKind.TOTP));
        vars.put("required", state.verified() && SetupOwed.owed(request));
        vars.put("offersSms", config.channels().contains(Channel.SMS));
        vars.put("offersVoice", config.channels().contains(Channel.VOICE));
        views.render(request, response, status, "enroll", vars);
    }

    private static String name(Channel channel) {
        return channel.name().toLowerCase(Locale.ROOT);
    }
}
