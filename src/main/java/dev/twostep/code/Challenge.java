package dev.twostep.code;

import dev.twostep.delivery.Channel;

/** One code that was sent: everything about it but the code, which is never stored. */
public record Challenge(long id, String username, Purpose purpose, Channel channel, String destination,
                        long createdAt, long expiresAt, int attempts, Long consumedAt, Long revokedAt,
                        String providerId) {
}
