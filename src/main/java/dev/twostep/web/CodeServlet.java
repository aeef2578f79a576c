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
import jakarta.servlet.http.HttpSession;

import dev.twostep.audit.AuditLog;
import dev.twostep.code.Challenge;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.code.VerifyResult;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.enroll.PhoneNumbers;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.ReturnTo;
import dev.twostep.limits.LimitedException;

/**
 * The code page ({@code <pages-path>/code}). On the first visit after the first step it sends a code
 * through the user's channel; it then takes the typed code, or sends a new one ("send a new code"), or
 * sends one through the other channel ("call me instead" / "text me instead"). A phone that is not
 * confirmed yet gets its confirmation here: the first accepted code confirms it. A user with no phone is
 * sent to the enrollment page.
 */
public class CodeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String NOTICE = CodeServlet.class.getName() + ".notice";

    private transient CodeService codes;
    private transient PhoneDao phones;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;
    private transient AuditLog audit;
    private transient PhoneNumbers numbers;

    @Override
    public void init() {
        audit = Attributes.require(getServletContext(), AuditLog.class);
        numbers = Attributes.require(getServletContext(), PhoneNumbers.class);
        codes = Attributes.require(getServletContext(), CodeService.class);
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
    }

    /** The user at the code step, or null after answering for the other cases. */
    private GuardState pending(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<GuardState> state = GuardSession.current(request, config);
        if (state.isEmpty()) {
            Requests.toSignIn(request, response, config);
            return null;
        }
        if (state.get().verified()) {
            Http.seeOther(request, response, ReturnTo.consume(request.getSession(), config.successUrl()));
            return null;
        }
        return state.get();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = pending(request, response);
        if (state == null) {
            return;
        }
        Optional<Phone> phone = phones.find(state.username());
        if (phone.isEmpty()) {
            Http.seeOther(request, response, config.pagesPath() + "/enroll");
            return;
        }
        Challenge current = state.challengeId() == 0 ? null
                : codes.find(state.username(), state.challengeId()).orElse(null);
        if (current == null) {
            // First visit after the first step: send the code through the user's own channel.
            Channel channel = offered(phone.get().channel());
            try {
                current = send(request, state, phone.get(), channel);
                notice(request, "code.sent." + name(current.channel()));
            } catch (DeliveryException e) {
                show(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, phone.get(), channel,
                        deliveryError(e));
                return;
            } catch (LimitedException e) {
                limited(request, response, state, phone.get(), channel, e);
                return;
            }
        }
        if (current.deliveryFailed()) {
            show(request, response, HttpServletResponse.SC_OK, phone.get(), current.channel(),
                    "code.error.notDelivered." + name(current.channel()));
            return;
        }
        show(request, response, HttpServletResponse.SC_OK, phone.get(), current.channel(), null);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = pending(request, response);
        if (state == null) {
            return;
        }
        Phone phone = phones.find(state.username()).orElse(null);
        if (phone == null) {
            Http.seeOther(request, response, config.pagesPath() + "/enroll");
            return;
        }
        String action = request.getParameter("action");
        Channel currentChannel = currentChannel(state, phone);
        if ("verify".equals(action) || action == null) {
            verify(request, response, state, phone, currentChannel);
            return;
        }
        Channel channel;
        if ("resend".equals(action)) {
            channel = currentChannel;
        } else if ("switch".equals(action)) {
            Optional<Channel> asked = Channel.parse(request.getParameter("channel"));
            if (asked.isEmpty() || !config.channels().contains(asked.get())) {
                show(request, response, HttpServletResponse.SC_BAD_REQUEST, phone, currentChannel, "code.error.channel");
                return;
            }
            channel = asked.get();
        } else {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, phone, currentChannel, "code.error.action");
            return;
        }
        try {
            Challenge sent = send(request, state, phone, channel);
            notice(request, "code.resent." + name(sent.channel()));
        } catch (DeliveryException e) {
            show(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, phone, currentChannel, deliveryError(e));
            return;
        } catch (LimitedException e) {
            limited(request, response, state, phone, currentChannel, e);
            return;
        }
        Http.seeOther(request, response, config.pagesPath() + "/code");
    }

    private void verify(HttpServletRequest request, HttpServletResponse response, GuardState state, Phone phone,
                        Channel channel) throws IOException {
        if (state.challengeId() == 0) {
            show(request, response, Http.UNPROCESSABLE, phone, channel, "code.error.notActive");
            return;
        }
        VerifyResult result = codes.verify(state.username(), state.challengeId(), request.getParameter("code"));
        AuditLog.Client client = Requests.client(getServletContext(), request);
        if (result.outcome() != VerifyResult.Outcome.ACCEPTED && result.outcome() != VerifyResult.Outcome.MALFORMED) {
            audit.record(result.outcome() == VerifyResult.Outcome.LOCKED ? AuditLog.Event.LOCKOUT
                    : AuditLog.Event.CODE_REJECTED, state.username(), client, result.outcome().name().toLowerCase(Locale.ROOT));
        }
        switch (result.outcome()) {
            case ACCEPTED -> {
                Challenge used = result.challenge();
                audit.record(AuditLog.Event.CODE_ACCEPTED, state.username(), client, name(used.channel()));
                if (used.purpose() == Purpose.ENROLL) {
                    if (!phones.confirm(state.username(), used.destination(), clock.millis())) {
                        // The number was changed while this code was on its way: it confirms nothing.
                        show(request, response, Http.UNPROCESSABLE, phone, channel, "code.error.notActive");
                        return;
                    }
                    audit.record(AuditLog.Event.ENROLLED, state.username(), client,
                            "phone " + PhoneMask.mask(used.destination()) + " by " + name(used.channel()));
                }
                if (!GuardSession.secondStepPassed(request, state)) {
                    // Another sign-in started on this session while the code was checked.
                    show(request, response, Http.UNPROCESSABLE, phone, channel, "code.error.notActive");
                    return;
                }
                Http.seeOther(request, response, ReturnTo.consume(request.getSession(), config.successUrl()));
            }
            case WRONG -> show(request, response, Http.UNPROCESSABLE, phone, channel,
                    "code.error.wrong", result.attemptsLeft());
            case MALFORMED -> show(request, response, HttpServletResponse.SC_BAD_REQUEST, phone, channel,
                    "code.error.malformed", codes.policy().length());
            case EXPIRED -> show(request, response, Http.UNPROCESSABLE, phone, channel, "code.error.expired");
            case TOO_MANY_ATTEMPTS -> show(request, response, Http.UNPROCESSABLE, phone, channel,
                    "code.error.tooMany");
            case NOT_ACTIVE -> show(request, response, Http.UNPROCESSABLE, phone, channel, "code.error.notActive");
            case LOCKED -> {
                Requests.retryAfter(response, result.retryAfter());
                show(request, response, Http.TOO_MANY, phone, channel, "code.error.locked",
                        LimitedException.minutes(result.retryAfter()));
            }
        }
    }

    private Challenge send(HttpServletRequest request, GuardState state, Phone phone, Channel channel)
            throws DeliveryException, LimitedException {
        Purpose purpose = phone.confirmed() ? Purpose.LOGIN : Purpose.ENROLL;
        AuditLog.Client client = Requests.client(getServletContext(), request);
        if (!numbers.allowed(phone.e164())) {
            // Saved before the operator narrowed the allowed countries or number types: no send, no cost.
            audit.record(AuditLog.Event.CODE_SEND_FAILED, state.username(), client, "number not allowed");
            throw new DeliveryException(DeliveryException.Reason.NUMBER_NOT_ALLOWED, null, "number not allowed", null);
        }
        try {
            Challenge sent = codes.issue(state.username(), phone.e164(), channel, purpose, request.getLocale(),
                    client.address());
            GuardSession.challengeSent(request, state, sent.id());
            audit.record(AuditLog.Event.CODE_SENT, state.username(), client, name(channel) + " to "
                    + PhoneMask.mask(phone.e164()) + (sent.providerId() == null ? "" : " " + sent.providerId()));
            return sent;
        } catch (DeliveryException e) {
            audit.record(AuditLog.Event.CODE_SEND_FAILED, state.username(), client, name(channel) + " "
                    + e.reason().name().toLowerCase(Locale.ROOT) + (e.providerCode() == null ? "" : " " + e.providerCode()));
            throw e;
        } catch (LimitedException e) {
            audit.record(AuditLog.Event.CODE_SEND_LIMITED, state.username(), client, e.limit().name().toLowerCase(Locale.ROOT));
            throw e;
        }
    }

    private void limited(HttpServletRequest request, HttpServletResponse response, GuardState state, Phone phone,
                         Channel channel, LimitedException e) throws IOException {
        Requests.limited(response, e);
        String key = switch (e.limit()) {
            case GLOBAL_SENDS -> "code.error.limit.global";
            case CODE_LOCK -> "code.error.locked";
            default -> "code.error.limit.sends";
        };
        show(request, response, Http.TOO_MANY, phone, channel, key, e.minutes());
    }

    /** The user's channel, or the other one when the operator no longer offers theirs. */
    private Channel offered(Channel preferred) {
        return config.channels().contains(preferred) ? preferred : preferred.other();
    }

    private Channel currentChannel(GuardState state, Phone phone) {
        if (state.challengeId() != 0) {
            Optional<Challenge> c = codes.find(state.username(), state.challengeId());
            if (c.isPresent()) {
                return c.get().channel();
            }
        }
        return offered(phone.channel());
    }

    private static String name(Channel channel) {
        return channel.name().toLowerCase(Locale.ROOT);
    }

    private static String deliveryError(DeliveryException e) {
        return switch (e.reason()) {
            case CHANNEL_UNAVAILABLE -> "code.error.channelUnavailable";
            case INVALID_NUMBER -> "code.error.invalidNumber";
            case REGION_NOT_ENABLED -> "code.error.regionNotEnabled";
            case UNVERIFIED_NUMBER -> "code.error.unverifiedNumber";
            case OPTED_OUT -> "code.error.optedOut";
            case TRY_LATER, MAYBE_SENT -> "code.error.tryLater";
            case NOT_CONFIGURED -> "code.error.notConfigured";
            case NUMBER_NOT_ALLOWED -> "code.error.numberNotAllowed";
        };
    }

    private static void notice(HttpServletRequest request, String key) {
        request.getSession().setAttribute(NOTICE, key);
    }

    private void show(HttpServletRequest request, HttpServletResponse response, int status, Phone phone,
                      Channel channel, String errorKey, Object... errorArgs) throws IOException {
        HttpSession session = request.getSession();
        Object notice = session.getAttribute(NOTICE);
        session.removeAttribute(NOTICE);
        Map<String, Object> vars = new HashMap<>();
        vars.put("lastDigits", PhoneMask.lastDigits(phone.e164()));
        vars.put("channel", name(channel));
        vars.put("otherChannel", config.channels().contains(channel.other()) ? name(channel.other()) : null);
        vars.put("codeLength", codes.policy().length());
        vars.put("confirming", !phone.confirmed());
        vars.put("notice", errorKey == null && notice instanceof String key ? Views.message(request, key) : null);
        vars.put("error", errorKey == null ? null : Views.message(request, errorKey, errorArgs));
        views.render(request, response, status, "code", vars);
    }
}
