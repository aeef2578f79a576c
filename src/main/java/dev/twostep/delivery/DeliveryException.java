package dev.twostep.delivery;

/** A code could not be delivered. Carries what the user should be told, never a stack trace. */
public final class DeliveryException extends Exception {

    /** What went wrong, from the user's side: each maps to one sentence on the token page. */
    public enum Reason {
        /** The number cannot be reached on this channel: offer the other one. */
        CHANNEL_UNAVAILABLE,
        /** The number is not valid for the provider. */
        INVALID_NUMBER,
        /** The provider is busy or down, or timed out: try again later. */
        TRY_LATER
    }

    private final Reason reason;
    private final String providerCode;

    public DeliveryException(Reason reason, String providerCode, String detail, Throwable cause) {
        super(detail, cause);
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
