package dev.twostep.delivery;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;

import dev.twostep.delivery.DeliveryException.Reason;

/**
 * Turns Twilio's errors into what the user should do. The log gets Twilio's error code, HTTP status and
 * documentation link; the user gets one sentence; nobody gets a stack trace.
 *
 * @see <a href="https://www.twilio.com/docs/api/errors">Twilio error and warning dictionary</a>
 */
final class TwilioErrors {
    private static final Logger LOG = LoggerFactory.getLogger(TwilioErrors.class);

    /** Twilio error code to what the user can do about it. Anything else is "try again later". */
    static final Map<Integer, Reason> REASONS = Map.ofEntries(
            Map.entry(21211, Reason.INVALID_NUMBER),       // Invalid 'To' phone number
            Map.entry(21217, Reason.INVALID_NUMBER),       // Phone number does not appear to be valid
            Map.entry(13224, Reason.INVALID_NUMBER),       // Dial: invalid phone number
            Map.entry(21408, Reason.REGION_NOT_ENABLED),   // Permission to send an SMS not enabled for the region
            Map.entry(21215, Reason.REGION_NOT_ENABLED),   // Geo permission: call to this number not allowed
            Map.entry(13227, Reason.REGION_NOT_ENABLED),   // Geo permission: no international permission (voice)
            Map.entry(21608, Reason.UNVERIFIED_NUMBER),    // Trial account: number is unverified
            Map.entry(21219, Reason.UNVERIFIED_NUMBER),    // Trial account: 'To' number not verified (voice)
            Map.entry(21610, Reason.OPTED_OUT),            // Attempt to send to unsubscribed recipient (STOP)
            Map.entry(21614, Reason.CHANNEL_UNAVAILABLE),  // 'To' number is not a valid mobile number
            Map.entry(21612, Reason.CHANNEL_UNAVAILABLE)); // 'To' number is not currently reachable via SMS

    private static final String CREDENTIALS = "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and"
            + " TWILIO_API_SECRET)";
    private static final String ACCOUNT = "the Twilio account is not active (out of funds, suspended, or a trial not"
            + " yet activated): see the Twilio Console";
    private static final String FROM_SMS = "twilio.from-number (TWILIO_FROM_NUMBER) must be an SMS-capable Twilio"
            + " number of this account, in E.164";
    private static final String SERVICE = "twilio.messaging-service-sid (TWILIO_MESSAGING_SERVICE_SID) must name"
            + " a Messaging Service of this account";

    /**
     * Errors that come from Twostep's Twilio account or settings, never from the user's number, with what the
     * operator has to fix. Each was checked against Twilio's error dictionary; docs/twilio.md lists them.
     */
    static final Map<Integer, String> OPERATOR_ERRORS = Map.ofEntries(
            Map.entry(20003, CREDENTIALS),                 // Permission denied: wrong credentials
            Map.entry(20005, ACCOUNT),                     // Account not active
            Map.entry(10001, ACCOUNT),                     // Account is not active
            Map.entry(21210, "twilio.caller-id (TWILIO_CALLER_ID) must be a Twilio number or a verified caller ID"
                    + " of this account"),                 // 'From' phone number not verified (calls)
            Map.entry(21212, "twilio.from-number (TWILIO_FROM_NUMBER) is not a valid phone number or sender"
                    + " ID"),                              // Invalid 'From' number (calls: see operatorFix)
            Map.entry(21601, FROM_SMS),                    // 'From' is not an SMS-capable number of the account
            Map.entry(21606, FROM_SMS),                    // 'From' is not a valid message-capable Twilio number
            Map.entry(21659, "twilio.from-number (TWILIO_FROM_NUMBER) must be a number provided by or ported to"
                    + " Twilio, porting finished, in E.164; a short code reaches its own country only"),
                                                           // 'From' is not a Twilio number, or short code abroad
            Map.entry(21660, FROM_SMS),                    // 'From' number belongs to another account
            Map.entry(21661, FROM_SMS),                    // 'From' number is not SMS-capable
            Map.entry(21701, SERVICE),                     // The Messaging Service does not exist
            Map.entry(21705, SERVICE));                    // The Messaging Service is invalid

    private TwilioErrors() {
    }

    static DeliveryException map(TwilioException e, Channel channel, String to) {
        if (e instanceof TwilioCallException call) {
            // No answer, or half of one: Twilio's error fields are empty, the cause says what happened.
            LOG.warn("Twilio {} for {} to {}: {}", call.what(), article(channel), PhoneMask.mask(to),
                    call.maybeSent() ? "maybe sent" : "not sent");
            return new DeliveryException(call.maybeSent() ? Reason.MAYBE_SENT : Reason.TRY_LATER, null,
                    call.getMessage(), null);
        }
        if (e instanceof ApiException api && api.getCode() != null) {
            Integer code = api.getCode();
            Reason reason = REASONS.getOrDefault(code, Reason.TRY_LATER);
            String fix = operatorFix(code, channel);
            if (fix != null) {
                // The user can do nothing about it, and nobody gets a code until it is fixed.
                reason = Reason.NOT_CONFIGURED;
                LOG.error("Twilio refused {} because of Twostep's Twilio account or settings: error {} (HTTP {}): {} {}",
                        article(channel), code, api.getStatusCode(), fix,
                        api.getMoreInfo() == null ? "" : api.getMoreInfo());
            } else {
                LOG.warn("Twilio refused {} to {}: error {} (HTTP {}) {}", article(channel), PhoneMask.mask(to),
                        code, api.getStatusCode(), api.getMoreInfo() == null ? "" : api.getMoreInfo());
            }
            return new DeliveryException(reason, code.toString(), "Twilio error " + code + " (HTTP " + api.getStatusCode()
                    + ")", null);
        }
        // An answer without Twilio's error fields (an empty or unreadable body), or the SDK's own failure.
        LOG.warn("Twilio's answer to {} to {} could not be used: {}", article(channel), PhoneMask.mask(to),
                rootMessage(e));
        return new DeliveryException(Reason.TRY_LATER, null, "Twilio failed: " + rootMessage(e), null);
    }

    /** What the operator has to fix for this error, or null when it is not an operator's error. */
    static String operatorFix(int code, Channel channel) {
        if (code == 21212 && channel == Channel.VOICE) {
            return "twilio.caller-id (TWILIO_CALLER_ID, else twilio.from-number) is not a valid phone number";
        }
        return OPERATOR_ERRORS.get(code);
    }

    /** "an SMS", "a call": for log lines. */
    private static String article(Channel channel) {
        return channel == Channel.SMS ? "an SMS" : "a call";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
