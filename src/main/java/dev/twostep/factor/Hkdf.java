package dev.twostep.factor;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869): one key per purpose from the server secret, so that the key that
 * encrypts TOTP secrets, the key that hashes recovery codes and the key that hashes one-time codes are
 * never the same, and learning one says nothing about the others.
 */
final class Hkdf {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /** A key of {@code length} bytes for the purpose named by {@code label}, with no salt. */
    static byte[] derive(byte[] serverSecret, String label, int length) {
        if (serverSecret.length < 32) {
            throw new IllegalArgumentException("the server secret must have at least 32 bytes");
        }
        return expand(extract(null, serverSecret), label.getBytes(StandardCharsets.UTF_8), length);
    }

    /** RFC 5869 section 2.2; a missing or empty salt is HashLen zero bytes, as the RFC says. */
    static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
        // SecretKeySpec refuses an empty key; HMAC pads any key with zeros, so HashLen zeros is the same key.
        byte[] key = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        return mac(key).doFinal(inputKeyMaterial);
    }

    /** RFC 5869 section 2.3: T(i) = HMAC(PRK, T(i-1) | info | i), concatenated and cut to {@code length}. */
    static byte[] expand(byte[] pseudoRandomKey, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF output length must be 1 to " + 255 * HASH_LENGTH + " bytes");
        }
        Mac mac = mac(pseudoRandomKey);
        byte[] out = new byte[length];
        byte[] previous = new byte[0];
        int written = 0;
        for (int i = 1; written < length; i++) {
            mac.update(previous);
            mac.update(info);
            mac.update((byte) i);
            previous = mac.doFinal();
            int n = Math.min(previous.length, length - written);
            System.arraycopy(previous, 0, out, written, n);
            written += n;
        }
        return out;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
