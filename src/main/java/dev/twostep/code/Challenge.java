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
     * The delivery status of a code whose send got no answer although the provider may have had the
     * request: the code may arrive, late, or not at all.
     */
    public static final String UNCERTAIN = "uncertain";

    /** True when the send got no answer and the code may or may not arrive. */
    public boolean deliveryUncertain() {
        return UNCERTAIN.equals(deliveryStatus);
    }

    /** True when the provider reported that this code did not arrive. */
    public boolean deliveryFailed() {
        return deliveryStatus != null && FAILED_DELIVERY.contains(deliveryStatus);
    }
}
