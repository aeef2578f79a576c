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
            if (code == 20003) {
                LOG.error("Twilio refused Twostep's credentials (error 20003, HTTP {}): check TWILIO_ACCOUNT_SID and"
                        + " TWILIO_AUTH_TOKEN", api.getStatusCode());
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
