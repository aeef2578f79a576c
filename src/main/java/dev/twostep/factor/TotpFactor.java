package dev.twostep.factor;

/**
 * One authenticator app of a user, as stored in totp_factors.
 *
 * @param secretSealed the TOTP secret as {@link SecretBox#seal} returned it for this username and
 *     {@link #sealId()}
 * @param lastStep the last time step accepted, -1 before the first
 * @param confirmedAt null until a first code from the app confirmed it; only then is it a factor
 * @param lastUsedAt the last sign-in with it, null when none yet
 */
public record TotpFactor(long id, String username, String label, String secretSealed, long lastStep,
        long createdAt, Long confirmedAt, Long lastUsedAt) {

    public boolean confirmed() {
        return confirmedAt != null;
    }

    /** The factor id to pass to {@link SecretBox#seal} and {@link SecretBox#open}: the row id in decimal. */
    public String sealId() {
        return sealId(id);
    }

    public static String sealId(long id) {
        return Long.toString(id);
    }
}
