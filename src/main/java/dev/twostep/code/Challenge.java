package dev.twostep.code;

import dev.twostep.delivery.Channel;

/** One code that was sent: everything about it but the code, which is never stored. */
public record Challenge(long id, String username, Purpose purpose, Channel channel, String destination,
                        long createdAt, long expiresAt, int attempts, Long consumedAt, Long revokedAt,
                        String providerId, String deliveryStatus, String deliveryError) {

    /** Provider statuses that mean the code did not reach the person. */
    public static final java.util.Set<String> FAILED_DELIVERY =
            java.util.Set.of("undelivered", "failed", "busy", "no-answer", "canceled");

    /**
     * Set when the provider did not answer in time: it may have taken the request and deliver the code, so the
     * code stays live and the user is told it may take a moment.
     */
    public static final String DELIVERY_UNCERTAIN = "uncertain";

    public boolean deliveryUncertain() {
        return DELIVERY_UNCERTAIN.equals(deliveryStatus);
    }

    /** True when the provider reported that this code did not arrive. */
    public boolean deliveryFailed() {
        return deliveryStatus != null && FAILED_DELIVERY.contains(deliveryStatus);
    }
}
