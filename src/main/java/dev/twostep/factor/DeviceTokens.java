package dev.twostep.factor;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens of remembered devices: {@value #BYTES} random bytes from SecureRandom, given to the browser in a
 * cookie as unpadded Base64url. Only HMAC-SHA256 of a token is stored, keyed with a key derived from the
 * server secret by HKDF under the label {@value #LABEL}, so a copy of the database yields no cookie. A fast
 * keyed hash is enough: the token is 256 random bits, not something a person chose.
 *
 * <p>Thread-safe.
 */
public final class DeviceTokens {
    /** The HKDF label the hashing key is derived with. */
    public static final String LABEL = "twostep remembered device v1";
    /** Random bytes in a token: {@value}. */
    public static final int BYTES = 32;

    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final String ALGORITHM = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** @param serverSecret the server secret (TWOSTEP_SECRET or the generated one), at least 32 bytes */
    public DeviceTokens(byte[] serverSecret) {
        this.key = new SecretKeySpec(Hkdf.derive(serverSecret, LABEL, 32), ALGORITHM);
    }

    /** A new token, unpadded Base64url of {@value #BYTES} random bytes. */
    public String newToken() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The hash to store for, or to look up, a token: 64 lower-case hex digits; empty when it cannot be a token. */
    public Optional<String> hash(String token) {
        if (token == null || !FORM.matcher(token).matches()) {
            return Optional.empty();
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return Optional.of(HexFormat.of().formatHex(mac.doFinal(token.getBytes(StandardCharsets.US_ASCII))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
