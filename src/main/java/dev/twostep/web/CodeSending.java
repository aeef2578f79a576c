package dev.twostep.web;

import java.io.Serializable;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import dev.twostep.audit.AuditLog;
import dev.twostep.code.Challenge;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
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

/**
 * Sends a sign-in code, only ever because a person asked: from a POST (the password step's success,
 * registration, enrollment, "send me a code", "send a new code", "call me instead"), never from a page
 * view, so a reload, a prefetch or a link preview costs nothing. What happened is left in the session for
 * the code page to say once.
 */
public final class CodeSending {
    static final String FLASH = CodeSending.class.getName() + ".flash";

    /**
     * What a send did, as the code page says it: a notice after a send, or an error with its HTTP status.
     *
     * @param args the message's arguments (numbers for the choice formats)
     * @param retryAfterSeconds for Retry-After with a 429, or 0
     */
    public record Outcome(boolean sent, int status, String key, Serializable[] args, long retryAfterSeconds)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        static Outcome sent(String key) {
            return new Outcome(true, HttpServletResponse.SC_OK, key, new Serializable[0], 0);
        }

        static Outcome failed(int status, String key, Serializable... args) {
            return new Outcome(false, status, key, args, 0);
        }
    }

    private final CodeService codes;
    private final PhoneDao phones;
    private final PhoneNumbers numbers;
    private final AuditLog audit;
    private final TwostepConfig config;
    private final ServletContext context;

    private CodeSending(ServletContext context) {
        this.context = context;
        this.codes = Attributes.require(context, CodeService.class);
        this.phones = Attributes.require(context, PhoneDao.class);
        this.numbers = Attributes.require(context, PhoneNumbers.class);
        this.audit = Attributes.require(context, AuditLog.class);
        this.config = Attributes.require(context, TwostepConfig.class);
    }

    /** The sending of this app, from what the listener built. */
    public static CodeSending of(ServletContext context) {
        return new CodeSending(context);
    }

    /**
     * Sends the first code of a sign-in through the user's own channel and leaves the outcome for the code
     * page. Does nothing for a user with no phone yet: the code page sends them to enrollment.
     */
    public void sendFirst(HttpServletRequest request, GuardState state) {
        Optional<Phone> phone = phones.find(state.username());
        if (phone.isPresent() && !config.channels().isEmpty()
                && SecondStep.of(context).phoneFirst(state.username(), phone.get(), state.verified())) {
            flash(request.getSession(), send(request, state, phone.get(), offered(phone.get().channel()), false));
        }
    }

    /**
     * Sends a code to the user's phone by this channel, makes it the session's code, and audits it.
     *
     * @param again true for "send a new code" and "call me instead", whose notice says earlier codes are gone
     */
    Outcome send(HttpServletRequest request, GuardState state, Phone phone, Channel channel, boolean again) {
        Purpose purpose = phone.confirmed() ? Purpose.LOGIN : Purpose.ENROLL;
        AuditLog.Client client = Requests.client(context, request);
        if (purpose == Purpose.ENROLL && !state.verified() && audit.hadConfirmedPhone(state.username())) {
            // A confirmed phone vanished (a restore, another database): no code confirms a new one here.
            audit.record(AuditLog.Event.CODE_SEND_FAILED, state.username(), client, "once had a confirmed phone");
            return Outcome.failed(HttpServletResponse.SC_FORBIDDEN, "enroll.lostPhone");
        }
        if (!numbers.allowed(phone.e164())) {
            // Saved before the operator narrowed the allowed countries or number types: no send, no cost.
            audit.record(AuditLog.Event.CODE_SEND_FAILED, state.username(), client, "number not allowed");
            return Outcome.failed(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "code.error.numberNotAllowed");
        }
        try {
            Challenge sent = codes.issue(state.username(), phone.e164(), channel, purpose, Views.locale(request),
                    client.address(), phone.confirmedAt());
            GuardSession.challengeSent(request, state, sent.id(), sent.createdAt());
            audit.record(AuditLog.Event.CODE_SENT, state.username(), client, name(channel) + " to "
                    + PhoneMask.mask(phone.e164()) + (sent.providerId() == null ? "" : " " + sent.providerId())
                    + (sent.deliveryUncertain() ? " (delivery uncertain)" : ""));
            if (sent.deliveryUncertain()) {
                return Outcome.sent("code.sent.uncertain." + name(channel));
            }
            return Outcome.sent((again ? "code.resent." : "code.sent.") + name(channel));
        } catch (DeliveryException e) {
            audit.record(AuditLog.Event.CODE_SEND_FAILED, state.username(), client, name(channel) + " "
                    + e.reason().name().toLowerCase(Locale.ROOT) + (e.providerCode() == null ? "" : " " + e.providerCode()));
            return Outcome.failed(HttpServletResponse.SC_SERVICE_UNAVAILABLE, deliveryError(e));
        } catch (LimitedException e) {
            audit.record(AuditLog.Event.CODE_SEND_LIMITED, state.username(), client,
                    e.limit().name().toLowerCase(Locale.ROOT));
            String key = switch (e.limit()) {
                case GLOBAL_SENDS -> "code.error.limit.global";
                case CODE_LOCK -> "code.error.locked";
                case CODE_BLOCKED -> "code.error.blocked";
                default -> "code.error.limit.sends";
            };
            if (e.limit() == LimitedException.Limit.CODE_BLOCKED) {
                return Outcome.failed(HttpServletResponse.SC_FORBIDDEN, key);
            }
            return new Outcome(false, Http.TOO_MANY, key, new Serializable[] {e.minutes()},
                    Math.max(1, e.retryAfter().toSeconds()));
        }
    }

    /** The user's channel, or the other one when the operator no longer offers theirs. */
    Channel offered(Channel preferred) {
        return config.channels().contains(preferred) ? preferred : preferred.other();
    }

    static void flash(HttpSession session, Outcome outcome) {
        session.setAttribute(FLASH, outcome);
    }

    /** The outcome left for the code page, once. */
    static Outcome takeFlash(HttpSession session) {
        Object flash = session.getAttribute(FLASH);
        session.removeAttribute(FLASH);
        return flash instanceof Outcome o ? o : null;
    }

    static String name(Channel channel) {
        return channel.name().toLowerCase(Locale.ROOT);
    }

    private static String deliveryError(DeliveryException e) {
        return switch (e.reason()) {
            case CHANNEL_UNAVAILABLE -> "code.error.channelUnavailable";
            case INVALID_NUMBER -> "code.error.invalidNumber";
            case REGION_NOT_ENABLED -> "code.error.regionNotEnabled";
            case UNVERIFIED_NUMBER -> "code.error.unverifiedNumber";
            case OPTED_OUT -> "code.error.optedOut";
            // A maybe-sent code comes back from issue() as sent and uncertain; here only for completeness.
            case TRY_LATER, MAYBE_SENT -> "code.error.tryLater";
            case NOT_CONFIGURED -> "code.error.notConfigured";
            case NUMBER_NOT_ALLOWED -> "code.error.numberNotAllowed";
        };
    }
}
