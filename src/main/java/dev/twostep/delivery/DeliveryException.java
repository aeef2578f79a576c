package dev.twostep.delivery;

/** A code could not be delivered. Carries what the user should be told, never a stack trace. */
public final class DeliveryException extends Exception {

    /** What went wrong, from the user's side: each maps to one sentence on the code page. */
    public enum Reason {
        /** The number cannot get this channel (a landline for SMS): offer the other one. */
        CHANNEL_UNAVAILABLE,
        /** The provider calls the number invalid. */
        INVALID_NUMBER,
        /** Sending to this country is not enabled on the account for this channel. */
        REGION_NOT_ENABLED,
        /** A trial account can only reach numbers verified on it. */
        UNVERIFIED_NUMBER,
        /** The recipient opted out of our messages (replied STOP). */
        OPTED_OUT,
        /** The provider is busy, down, slow or misconfigured: try again later. */
        TRY_LATER,
        /**
         * No answer came, but the request may have reached the provider (a timeout after it went out, a
         * connection lost before the answer), which may deliver the code and bill for it: keep the code.
         */
        MAYBE_SENT,
        /**
         * The provider refuses because of Twostep's account or settings (credentials, the number sent from,
         * the Messaging Service): no code reaches anyone until an operator fixes them.
         */
        NOT_CONFIGURED,
        /** Twostep's own settings no longer allow this number (country or kind of number). */
        NUMBER_NOT_ALLOWED
    }

    private final Reason reason;
    private final String providerCode;

    public DeliveryException(Reason reason, String providerCode, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.reason = reason;
        this.providerCode = providerCode;
    }

    public Reason reason() {
        return reason;
    }

    /** The provider's error code (e.g. Twilio's 21614), for the log; may be null. */
    public String providerCode() {
        return providerCode;
    }
}
