package dev.twostep.factor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts a TOTP secret for its database row, so that a copy of the database alone does not yield the
 * secrets (issue 12): AES-256-GCM under a key derived from the server secret with HKDF-SHA256 and the
 * label {@value #LABEL}. The server secret is kept out of the database (ServerSecret), and KeyCheck already
 * refuses to start a server whose secret differs from the one the database was used with.
 *
 * <p>The user name and the factor's id are authenticated as associated data: they are not in the sealed
 * text, but opening succeeds only with the same two values, so a sealed secret copied into another user's
 * row, or into another factor of the same user, does not open. The caller passes the same stable values
 * at sealing and opening (renaming a user means re-sealing their secrets).
 *
 * <p>The sealed form is {@code v1.} followed by unpadded Base64url of the 12-byte random nonce, the
 * ciphertext and the 16-byte tag: ASCII, 67 characters for a 20-byte secret. Random nonces are safe here
 * because one key seals few messages (one per enrolled app): the GCM limit of 2^32 random nonces per key
 * is far off. Changing the server secret makes every sealed secret unreadable; the version prefix leaves
 * room for a later format or key without guessing.
 *
 * <p>Thread-safe.
 */
public final class SecretBox {
    /** The HKDF label the key is derived with. */
    public static final String LABEL = "twostep totp secret v1";
    private static final String VERSION = "v1";
    private static final String PREFIX = VERSION + ".";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** @param serverSecret the server secret (TWOSTEP_SECRET or the generated one), at least 32 bytes */
    public SecretBox(byte[] serverSecret) {
        this.key = new SecretKeySpec(Hkdf.derive(serverSecret, LABEL, 32), "AES");
    }

    /** Thrown when a sealed text does not open: malformed, tampered with, moved, or sealed under another key. */
    public static final class OpenFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OpenFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Seals a secret for one factor of one user.
     *
     * @param userName the user the factor belongs to, as stored
     * @param factorId the factor's stable id (for example its row id, or a random id chosen before the insert)
     */
    public String seal(byte[] secret, String userName, String factorId) {
        Objects.requireNonNull(secret, "secret");
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(userName, factorId));
            byte[] sealed = cipher.doFinal(secret);
            byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * Opens what {@link #seal} returned for the same user and factor.
     *
     * @throws OpenFailedException when the text is malformed, was changed, belongs to another user or factor,
     *     or was sealed under another server secret; the message says which of "malformed" or "does not
     *     authenticate", and never includes the text
     */
    public byte[] open(String sealed, String userName, String factorId) {
        Objects.requireNonNull(sealed, "sealed");
        byte[] aad = associatedData(userName, factorId);
        if (!sealed.startsWith(PREFIX)) {
            throw new OpenFailedException("sealed TOTP secret: unknown version", null);
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new OpenFailedException("sealed TOTP secret: malformed", e);
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new OpenFailedException("sealed TOTP secret: malformed (too short)", null);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(raw, NONCE_BYTES)));
            cipher.updateAAD(aad);
            return cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new OpenFailedException("sealed TOTP secret does not authenticate: changed, moved to another"
                    + " user or factor, or sealed under another server secret", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * The version, then user name and factor id each preceded by its length in bytes: with the lengths, no
     * two different (user, factor) pairs give the same bytes ("ab","c" and "a","bc" differ).
     */
    private static byte[] associatedData(String userName, String factorId) {
        byte[] version = VERSION.getBytes(StandardCharsets.US_ASCII);
        byte[] user = Objects.requireNonNull(userName, "userName").getBytes(StandardCharsets.UTF_8);
        byte[] factor = Objects.requireNonNull(factorId, "factorId").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(version.length + 2 * Integer.BYTES + user.length + factor.length)
                .put(version)
                .putInt(user.length).put(user)
                .putInt(factor.length).put(factor)
                .array();
    }
}
