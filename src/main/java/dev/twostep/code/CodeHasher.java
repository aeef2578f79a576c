package dev.twostep.code;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash of a code: HMAC-SHA256 over "challengeId:code" with the server secret. Binding the id in
 * means a hash from one challenge says nothing about another, and without the secret a stolen table
 * cannot be brute-forced through the small code space.
 */
final class CodeHasher {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    CodeHasher(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the code secret must have at least 32 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    String hash(long challengeId, String code) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal((challengeId + ":" + code).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Constant-time comparison of a typed code against the stored hash. */
    boolean matches(long challengeId, String code, String storedHash) {
        byte[] expected = storedHash.getBytes(StandardCharsets.US_ASCII);
        byte[] actual = hash(challengeId, code).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, actual);
    }
}
