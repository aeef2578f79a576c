package dev.twostep.app;

import java.time.Duration;

/**
 * No password-hashing slot came free within the queue wait: the request is refused before anything was
 * counted or stored, and the page answers 503 with {@code Retry-After}. Checked, so that every caller of a
 * password check decides what the person sees instead of letting it become a 500.
 */
final class HashingBusyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Duration retryAfter;

    HashingBusyException(Duration retryAfter) {
        super("password hashing is busy", null, false, false);
        this.retryAfter = retryAfter;
    }

    /** How long the client is asked to wait before it tries again. */
    Duration retryAfter() {
        return retryAfter;
    }
}
