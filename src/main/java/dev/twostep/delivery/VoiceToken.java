package dev.twostep.delivery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Carries a code inside the callback URL of a "press any key to hear your code" call, so that the code is
 * never stored in clear anywhere: AES-256-GCM under a key derived from the server secret, with the
 * challenge id and the expiry time inside. Twilio gets the token in the TwiML and sends it back when the
 * person presses a key; only this server can open it, and only until the code expires.
 */
public final class VoiceToken {
    private static final int IV_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    public VoiceToken(byte[] serverSecret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(serverSecret, "HmacSHA256"));
            this.key = new SecretKeySpec(mac.doFinal("twostep voice token v1".getBytes(StandardCharsets.UTF_8)), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a token holds. */
    public record Content(long challengeId, String code, long expiresAt) {
    }

    public String seal(Content content) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] code = content.code().getBytes(StandardCharsets.US_ASCII);
            ByteBuffer plain = ByteBuffer.allocate(16 + code.length)
                    .putLong(content.challengeId()).putLong(content.expiresAt()).put(code);
            byte[] sealed = cipher.doFinal(plain.array());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The content, when the token is genuine and not expired at {@code now}. */
    public Optional<Content> open(String token, long now) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(token);
            if (raw.length < IV_BYTES + 16 + 16) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, raw, 0, IV_BYTES));
            ByteBuffer plain = ByteBuffer.wrap(cipher.doFinal(raw, IV_BYTES, raw.length - IV_BYTES));
            long challengeId = plain.getLong();
            long expiresAt = plain.getLong();
            byte[] code = new byte[plain.remaining()];
            plain.get(code);
            if (now >= expiresAt) {
                return Optional.empty();
            }
            return Optional.of(new Content(challengeId, new String(code, StandardCharsets.US_ASCII), expiresAt));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
