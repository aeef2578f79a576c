package dev.twostep.app;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.PhoneNumbers;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.ClientAddress;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.RateLimiter;
import dev.twostep.web.CodeSending;
import dev.twostep.web.Requests;
import dev.twostep.web.Views;

/**
 * Registration: user name, password, phone and channel. The account is created with its phone
 * unconfirmed, and the user goes straight to the code page, where the first code confirms the phone.
 * A refused form comes back with every value but the password, and a message per field.
 */
public class RegisterServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient AccountService accounts;
    private transient PhoneNumbers phoneNumbers;
    private transient Views views;
    private transient TwostepConfig config;
    private transient RateLimiter limiter;
    private transient java.time.Clock clock;
    private transient CodeSending sending;

    @Override
    public void init() {
        accounts = Attributes.require(getServletContext(), AccountService.class);
        phoneNumbers = Attributes.require(getServletContext(), PhoneNumbers.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        limiter = Attributes.require(getServletContext(), RateLimiter.class);
        clock = Attributes.require(getServletContext(), java.time.Clock.class);
        sending = CodeSending.of(getServletContext());
    }

    /** With twostep.registration=false the page does not exist. */
    private boolean closed(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (config.registration()) {
            return false;
        }
        views.render(request, response, HttpServletResponse.SC_NOT_FOUND, "error",
                Map.of("status", 404, "messageKey", "register.closed", "csrf", ""));
        return true;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (closed(request, response)) {
            return;
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("channel", config.channels().contains(Channel.SMS) ? "sms" : "voice");
        render(request, response, HttpServletResponse.SC_OK, vars);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (closed(request, response)) {
            return;
        }
        String username = AccountService.normalizeUsername(request.getParameter("username"));
        String password = request.getParameter("password");
        String phone = request.getParameter("phone");
        Optional<Channel> channel = Channel.parse(request.getParameter("channel")).filter(config.channels()::contains);

        Map<String, Object> vars = new HashMap<>();
        vars.put("username", username.length() > AccountService.MAX_USERNAME ? "" : username);
        vars.put("phone", phone == null || phone.length() > 40 ? "" : phone);
        vars.put("channel", channel.map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).orElse("sms"));

        if (request.getAttribute(dev.twostep.web.CsrfFilter.TIMED_OUT) != null) {
            // Posted after the session ended: the form again, as typed but for the password, and nothing done.
            vars.put("notice", "login.timedOut.register");
            render(request, response, HttpServletResponse.SC_FORBIDDEN, vars);
            return;
        }
        Map<String, String> errors = new HashMap<>();
        Set<AccountService.Problem> problems = AccountService.check(username, password);
        if (problems.contains(AccountService.Problem.USERNAME_INVALID)) {
            errors.put("username", "register.error.username");
        }
        if (problems.contains(AccountService.Problem.PASSWORD_LENGTH)) {
            errors.put("password", "register.error.password");
        }
        // Where the operator offers no phone (twostep.factors without sms and voice), an app is set up next.
        boolean withPhone = !config.channels().isEmpty();
        PhoneNumbers.Parsed parsed = withPhone ? phoneNumbers.parse(phone) : null;
        if (withPhone && !parsed.ok()) {
            errors.put("phone", "register.error.phone." + parsed.problem().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (withPhone && channel.isEmpty()) {
            errors.put("channel", "register.error.channel");
        }
        if (errors.isEmpty()) {
            // Each registration costs an Argon2 hash and tells whether a name is taken: bounded per address.
            long counted;
            try {
                counted = limiter.acquire(dev.twostep.limits.LimitRules.registrationsPerAddress(config.limits()), ClientAddress.limitKey(Requests.address(getServletContext(),
                        request)), clock.millis(), LimitedException.Limit.SENDS);
            } catch (LimitedException e) {
                Requests.limited(response, e);
                vars.put("errors", Map.of("username", "register.error.tooMany"));
                render(request, response, Http.TOO_MANY, vars);
                return;
            }
            Optional<AccountService.Problem> problem;
            try {
                problem = withPhone ? accounts.register(username, password, parsed.e164(), channel.get())
                        : accounts.register(username, password, null, null);
            } catch (HashingBusyException e) {
                // Nothing was hashed or stored: the registration does not count toward the address's limit.
                limiter.release(counted);
                Requests.retryAfter(response, e.retryAfter());
                vars.put("error", "error.busy");
                render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, vars);
                return;
            }
            if (problem.isEmpty()) {
                GuardState state = GuardSession.firstStepPassed(request, username, clock.millis());
                if (!withPhone) {
                    Http.seeOther(request, response, config.pagesPath() + "/app");
                    return;
                }
                sending.sendFirst(request, state);
                Http.seeOther(request, response, config.pagesPath() + "/code");
                return;
            }
            errors.put("username", "register.error.taken");
        }
        vars.put("errors", errors);
        render(request, response, Http.UNPROCESSABLE, vars);
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, Map<String, Object> vars)
            throws IOException {
        vars.put("withPhone", !config.channels().isEmpty());
        vars.put("offersSms", config.channels().contains(Channel.SMS));
        vars.put("offersVoice", config.channels().contains(Channel.VOICE));
        views.render(request, response, status, "register", vars);
    }
}
