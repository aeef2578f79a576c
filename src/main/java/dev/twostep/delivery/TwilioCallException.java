package dev.twostep.delivery;

import com.twilio.exception.ApiConnectionException;

/**
 * A call to Twilio's API that ended without a complete answer. It says whether Twilio may have received
 * the request: once the request has gone out, Twilio may act on it (send the SMS, place the call, and bill
 * for it) even though its answer never arrived here.
 */
final class TwilioCallException extends ApiConnectionException {
    private static final long serialVersionUID = 1L;

    /** How the call ended. */
    enum Failure {
        /** Nothing listens at Twilio's address (connection refused, no route). */
        UNREACHABLE,
        /** Twilio's host name did not resolve. */
        UNKNOWN_HOST,
        /** No connection within the connect timeout. */
        CONNECT_TIMEOUT,
        /** The answer did not begin within the read timeout. */
        READ_TIMEOUT,
        /** The whole exchange did not finish within the deadline. */
        DEADLINE,
        /** The connection failed or was closed before a complete answer. */
        BROKEN,
        /** The waiting thread was interrupted (the server is stopping). */
        INTERRUPTED
    }

    private final Failure failure;
    private final boolean maybeSent;
    private final String what;

    /**
     * @param what what happened, for the log, completing "Twilio ...", e.g. "did not answer within 10000
     *        ms (deadline)"
     * @param maybeSent true when the request had started going out, so Twilio may have it
     */
    TwilioCallException(Failure failure, String what, boolean maybeSent, Throwable cause) {
        super("Twilio " + what + (maybeSent ? ": maybe sent" : ": not sent"), cause);
        this.failure = failure;
        this.what = what;
        this.maybeSent = maybeSent;
    }

    Failure failure() {
        return failure;
    }

    /** True when Twilio may have received the request and may act on it. */
    boolean maybeSent() {
        return maybeSent;
    }

    /** What happened, completing "Twilio ...". */
    String what() {
        return what;
    }
}
