package dev.twostep.limits;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The lockout key of a typed sign-in name: HMAC-SHA256 of the name under a key derived from the server
 * secret. The name field often holds a password typed in the wrong place; unsalted, its hash could be
 * reversed by hashing guesses against a copy of the lockouts table. Keyed, it cannot without the secret,
 * which is kept out of the database. The key is HMAC(secret, {@value #LABEL}), never the secret itself,
 * so the code hashes' key is not reused for another purpose. Public because the listener builds it.
 */
public final class LockKeys {
    /** The label the key is derived with. */
    public static final String LABEL = "twostep password-lock key";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    /** @param serverSecret the server secret (TWOSTEP_SECRET or the generated one), at least 32 bytes */
    public LockKeys(byte[] serverSecret) {
        if (serverSecret.length < 32) {
            throw new IllegalArgumentException("the server secret must have at least 32 bytes");
        }
        this.key = new SecretKeySpec(hmac(new SecretKeySpec(serverSecret, ALGORITHM), LABEL), ALGORITHM);
    }

    /** The key a typed name's failures are counted under. */
    public String of(String typedName) {
        return "hmac:" + HexFormat.of().formatHex(hmac(key, typedName));
    }

    private static byte[] hmac(SecretKeySpec key, String message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
