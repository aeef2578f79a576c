package dev.twostep.factor;

/**
 * A device a user chose to be remembered on, as stored in remembered_devices.
 *
 * @param tokenHash the hash of the cookie's token; the token itself is never stored
 * @param label a short summary of the device's user agent
 * @param revokedAt when the user or a change of password or factor revoked it, null while it holds
 */
public record RememberedDevice(long id, String username, String tokenHash, String label, long createdAt,
        long lastSeenAt, long expiresAt, Long revokedAt) {

    /** Whether it still spares its user the second step at {@code now}. */
    public boolean live(long now) {
        return revokedAt == null && expiresAt > now;
    }
}
