package dev.twostep.app;

import java.io.IOException;
import java.io.Serializable;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.LogText;
import dev.twostep.code.Challenge;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.code.VerifyResult;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.enroll.PhoneNumbers;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.RateLimiter;
import dev.twostep.web.RememberedDevices;
import dev.twostep.web.Requests;
import dev.twostep.web.FreshStep;
import dev.twostep.web.Views;

/**
 * Changing the phone (/account/phone, behind the guard): the current password and a code sent to the new
 * number are both needed, and the old number is told of the change, so a stolen session alone cannot move
 * the second step to another phone.
 */
public class PhoneChangeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PhoneChangeServlet.class);
    static final String PENDING = PhoneChangeServlet.class.getName() + ".pending";

    /** The change waiting for its code: ids and the new number only. */
    record Pending(long challengeId, String e164, Channel channel) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private transient AccountService accounts;
    private transient PhoneNumbers numbers;
    private transient CodeService codes;
    private transient PhoneDao phones;
    private transient AuditLog audit;
    private transient Views views;
    private transient CodeSender sender;
    private transient TwostepConfig config;
    private transient Clock clock;
    private transient RateLimiter limiter;

    @Override
    public void init() {
        var c = getServletContext();
        accounts = Attributes.require(c, AccountService.class);
        numbers = Attributes.require(c, PhoneNumbers.class);
        codes = Attributes.require(c, CodeService.class);
        phones = Attributes.require(c, PhoneDao.class);
        audit = Attributes.require(c, AuditLog.class);
        views = Attributes.require(c, Views.class);
        sender = Attributes.require(c, CodeSender.class);
        config = Attributes.require(c, TwostepConfig.class);
        clock = Attributes.require(c, Clock.class);
        limiter = Attributes.require(c, RateLimiter.class);
    }

    /** Counts a password try in the session: the number of this try, or -1 when the session has ended. */
    private static int countTry(HttpSession session) {
        synchronized (session) {
            try {
                Integer before = (Integer) session.getAttribute(PASSWORD_TRIES);
                int tries = before == null ? 1 : before + 1;
                session.setAttribute(PASSWORD_TRIES, tries);
                return tries;
            } catch (IllegalStateException ended) {
                return -1;
            }
        }
    }

    /** Wrong passwords on this page in one session before the session ends. */
    static final int MAX_PASSWORD_TRIES = 3;
    static final String PASSWORD_TRIES = PhoneChangeServlet.class.getName() + ".passwordTries";

    /**
     * Whether this request may go on: the user has a phone to change (one without goes to the guard's
     * enrollment page, which adds one) and passed the second step recently, as every change of a factor needs;
     * else the answer is given here.
     */
    private boolean mayChange(HttpServletRequest request, HttpServletResponse response, GuardState state)
            throws IOException {
        if (phones.find(state.username()).filter(Phone::confirmed).isEmpty()) {
            Http.seeOther(request, response, config.pagesPath() + "/enroll");
            return false;
        }
        return !FreshStep.of(getServletContext()).confirmFirst(request, response, state, "phone");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = GuardSession.state(request).orElseThrow();
        if (!mayChange(request, response, state)) {
            return;
        }
        request.getSession().removeAttribute(PENDING);
        render(request, response, HttpServletResponse.SC_OK, new HashMap<>());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = GuardSession.state(request).orElseThrow();
        if (!"confirm".equals(request.getParameter("step")) && !"resend".equals(request.getParameter("step"))
                && !mayChange(request, response, state)) {
            return;
        }
        if ("confirm".equals(request.getParameter("step"))) {
            confirm(request, response, state);
        } else if ("resend".equals(request.getParameter("step"))) {
            resend(request, response, state);
        } else {
            start(request, response, state);
        }
    }

    private void start(HttpServletRequest request, HttpServletResponse response, GuardState state) throws IOException {
        Map<String, Object> vars = new HashMap<>();
        String phone = request.getParameter("phone");
        Optional<Channel> channel = Channel.parse(request.getParameter("channel")).filter(config.channels()::contains);
        vars.put("phone", phone == null || phone.length() > 40 ? "" : phone);
        vars.put("channel", channel.map(c -> c.name().toLowerCase(Locale.ROOT)).orElse("sms"));
        AuditLog.Client client = Requests.client(getServletContext(), request);
        String password = request.getParameter("password");
        // Each try is counted before the slow check, under the session's lock, so parallel requests on one
        // stolen session get no more checks than the limit; a request whose session a parallel one ended gets
        // no check at all (and no fresh session to count in).
        HttpSession session = request.getSession(false);
        int tries = session == null ? -1 : countTry(session);
        // The session's count holds on one server; several servers sharing sessions each hold a copy of it, so
        // the tries of this sign-in are counted in the database too, which every server sees.
        long counted = -1;
        if (tries >= 0) {
            try {
                counted = limiter.acquire(new RateLimiter.Rule("phone-change-password", MAX_PASSWORD_TRIES,
                        config.sessionMaxAge().compareTo(RateLimiter.KEEP) < 0 ? config.sessionMaxAge()
                                : RateLimiter.KEEP), state.username() + "@" + state.since(), clock.millis(),
                        LimitedException.Limit.PASSWORD_LOCK);
            } catch (LimitedException spent) {
                tries = MAX_PASSWORD_TRIES + 1;
            }
        }
        if (tries < 0) {
            dev.twostep.web.Flash.set(request, "signed-out");
            Http.seeOther(request, response, config.loginUrl());
            return;
        }
        boolean confirmed = false;
        if (tries <= MAX_PASSWORD_TRIES) {
            try {
                confirmed = accounts.confirmPassword(state.username(), password);
            } catch (HashingBusyException e) {
                // Not a wrong password: the try is given back.
                if (counted >= 0) {
                    limiter.release(counted);
                }
                synchronized (session) {
                    try {
                        Integer now = (Integer) session.getAttribute(PASSWORD_TRIES);
                        session.setAttribute(PASSWORD_TRIES, Math.max(0, (now == null ? 1 : now) - 1));
                    } catch (IllegalStateException ended) {
                        // Ended meanwhile: nothing to give back.
                    }
                }
                Requests.retryAfter(response, e.retryAfter());
                vars.put("error", "error.busy");
                render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, vars);
                return;
            }
        }
        if (!confirmed) {
            audit.record(AuditLog.Event.SIGN_IN_FAILED, state.username(), client, "phone change");
            if (tries >= MAX_PASSWORD_TRIES) {
                // Whoever holds this session does not know the password: end the session, not the account.
                LOG.warn("Session of user {} ended after {} wrong passwords on the phone-change page",
                        LogText.safe(state.username()), MAX_PASSWORD_TRIES);
                audit.record(AuditLog.Event.SIGN_OUT, state.username(), client, "wrong passwords on phone change");
                try {
                    session.invalidate();
                } catch (IllegalStateException alreadyEnded) {
                    // A parallel request ended it first.
                }
                dev.twostep.web.Flash.set(request, "signed-out");
            Http.seeOther(request, response, config.loginUrl());
                return;
            }
            vars.put("error", "phone.error.password");
            render(request, response, Http.UNPROCESSABLE, vars);
            return;
        }
        try {
            session.removeAttribute(PASSWORD_TRIES);
        } catch (IllegalStateException ended) {
            dev.twostep.web.Flash.set(request, "signed-out");
            Http.seeOther(request, response, config.loginUrl());
            return;
        }
        PhoneNumbers.Parsed parsed = numbers.parse(phone);
        if (!parsed.ok() || channel.isEmpty()) {
            vars.put("error", !parsed.ok() ? "register.error.phone." + parsed.problem().name().toLowerCase(Locale.ROOT)
                    : "register.error.channel");
            render(request, response, Http.UNPROCESSABLE, vars);
            return;
        }
        try {
            Challenge sent = codes.issue(state.username(), parsed.e164(), channel.get(), Purpose.CHANGE,
                    Views.locale(request), client.address());
            audit.record(AuditLog.Event.CODE_SENT, state.username(), client, "phone change, "
                    + channel.get().name().toLowerCase(Locale.ROOT) + " to " + PhoneMask.mask(parsed.e164()));
            request.getSession().setAttribute(PENDING, new Pending(sent.id(), parsed.e164(), channel.get()));
        } catch (DeliveryException e) {
            vars.put("error", "code.error.tryLater");
            render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, vars);
            return;
        } catch (LimitedException e) {
            if (e.limit() == LimitedException.Limit.CODE_BLOCKED) {
                vars.put("error", "code.error.blocked");
                render(request, response, HttpServletResponse.SC_FORBIDDEN, vars);
                return;
            }
            Requests.limited(response, e);
            vars.put("error", "code.error.limit.sends.short");
            render(request, response, Http.TOO_MANY, vars);
            return;
        }
        vars.put("confirming", true);
        vars.put("lastDigits", PhoneMask.lastDigits(parsed.e164()));
        vars.put("sentChannel", channel.get().name().toLowerCase(Locale.ROOT));
        render(request, response, HttpServletResponse.SC_OK, vars);
    }

    /**
     * "Send a new code" and "call me instead" while confirming: a new code to the same new number (the
     * password was checked for this change already), by the channel asked for, under the same limits.
     */
    private void resend(HttpServletRequest request, HttpServletResponse response, GuardState state) throws IOException {
        Object stored = request.getSession().getAttribute(PENDING);
        Map<String, Object> vars = new HashMap<>();
        if (!(stored instanceof Pending pending)) {
            vars.put("error", "code.error.notActive");
            render(request, response, Http.UNPROCESSABLE, vars);
            return;
        }
        Optional<Channel> asked = Channel.parse(request.getParameter("channel")).filter(config.channels()::contains);
        Channel channel = asked.orElse(pending.channel());
        vars.put("confirming", true);
        vars.put("lastDigits", PhoneMask.lastDigits(pending.e164()));
        AuditLog.Client client = Requests.client(getServletContext(), request);
        try {
            Challenge sent = codes.issue(state.username(), pending.e164(), channel, Purpose.CHANGE,
                    Views.locale(request), client.address());
            audit.record(AuditLog.Event.CODE_SENT, state.username(), client, "phone change, "
                    + channel.name().toLowerCase(Locale.ROOT) + " to " + PhoneMask.mask(pending.e164()));
            request.getSession().setAttribute(PENDING, new Pending(sent.id(), pending.e164(), channel));
            vars.put("sentChannel", channel.name().toLowerCase(Locale.ROOT));
            vars.put("notice", "phone.resent");
            render(request, response, HttpServletResponse.SC_OK, vars);
        } catch (DeliveryException e) {
            vars.put("sentChannel", pending.channel().name().toLowerCase(Locale.ROOT));
            vars.put("error", "code.error.tryLater");
            render(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, vars);
        } catch (LimitedException e) {
            Requests.limited(response, e);
            vars.put("sentChannel", pending.channel().name().toLowerCase(Locale.ROOT));
            vars.put("error", e.limit() == LimitedException.Limit.CODE_BLOCKED ? "code.error.blocked"
                    : "code.error.limit.sends.short");
            render(request, response, e.limit() == LimitedException.Limit.CODE_BLOCKED
                    ? HttpServletResponse.SC_FORBIDDEN : Http.TOO_MANY, vars);
        }
    }

    private void confirm(HttpServletRequest request, HttpServletResponse response, GuardState state) throws IOException {
        Object stored = request.getSession().getAttribute(PENDING);
        Map<String, Object> vars = new HashMap<>();
        if (!(stored instanceof Pending pending)) {
            vars.put("error", "code.error.notActive");
            render(request, response, Http.UNPROCESSABLE, vars);
            return;
        }
        vars.put("confirming", true);
        vars.put("lastDigits", PhoneMask.lastDigits(pending.e164()));
        vars.put("sentChannel", pending.channel().name().toLowerCase(Locale.ROOT));
        VerifyResult result = codes.verify(state.username(), pending.challengeId(), request.getParameter("code"));
        AuditLog.Client client = Requests.client(getServletContext(), request);
        if (result.outcome() == VerifyResult.Outcome.BLOCKED) {
            audit.record(AuditLog.Event.LOCKOUT, state.username(), client, "phone change");
            vars.put("error", "code.error.blocked");
            render(request, response, HttpServletResponse.SC_FORBIDDEN, vars);
            return;
        }
        if (result.outcome() == VerifyResult.Outcome.LOCKED) {
            audit.record(AuditLog.Event.LOCKOUT, state.username(), client, "phone change");
            Requests.retryAfter(response, result.retryAfter());
            vars.put("error", "code.error.locked.short");
            render(request, response, Http.TOO_MANY, vars);
            return;
        }
        if (!result.accepted() || result.challenge().purpose() != Purpose.CHANGE) {
            audit.record(AuditLog.Event.CODE_REJECTED, state.username(), client, "phone change "
                    + result.outcome().name().toLowerCase(Locale.ROOT));
            vars.put("error", "phone.error.code");
            render(request, response, Http.UNPROCESSABLE, vars);
            return;
        }
        Optional<Phone> old = phones.find(state.username());
        phones.replaceConfirmed(state.username(), pending.e164(), pending.channel(), clock.millis());
        request.getSession().removeAttribute(PENDING);
        // A changed factor revokes every remembered device (issue 12).
        int forgotten = RememberedDevices.of(getServletContext()).forgetAll(state.username());
        if (forgotten > 0) {
            audit.record(AuditLog.Event.DEVICES_FORGOTTEN, state.username(), client, forgotten + " (phone changed)");
        }
        audit.record(AuditLog.Event.PHONE_CHANGED, state.username(), client, old.map(p -> PhoneMask.mask(p.e164()))
                .orElse("none") + " to " + PhoneMask.mask(pending.e164()));
        old.filter(p -> !p.e164().equals(pending.e164()) && numbers.allowed(p.e164())).ifPresent(p -> {
            try {
                sender.notice(p.e164(), p.channel(), Views.message(request, "phone.notice", config.appName(),
                        PhoneMask.lastDigits(pending.e164())));
            } catch (DeliveryException | RuntimeException e) {
                // The change stands; only the notice failed.
                LOG.warn("The old number of user {} could not be told of the change: {}", LogText.safe(state.username()),
                        e instanceof DeliveryException d ? d.reason() : e.toString());
            }
        });
        dev.twostep.web.Flash.set(request, "phone-changed");
        Http.seeOther(request, response, "/account");
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, Map<String, Object> vars)
            throws IOException {
        vars.put("offersSms", config.channels().contains(Channel.SMS));
        vars.put("offersVoice", config.channels().contains(Channel.VOICE));
        vars.putIfAbsent("channel", "sms");
        GuardState state = GuardSession.state(request).orElse(null);
        phones.find(state == null ? "" : state.username()).filter(Phone::confirmed)
                .ifPresent(p -> vars.put("currentDigits", PhoneMask.lastDigits(p.e164())));
        Object sentChannel = vars.get("sentChannel");
        vars.put("otherChannel", sentChannel == null ? null : "sms".equals(sentChannel)
                ? (config.channels().contains(Channel.VOICE) ? "voice" : null)
                : (config.channels().contains(Channel.SMS) ? "sms" : null));
        views.render(request, response, status, "phone", vars);
    }
}
