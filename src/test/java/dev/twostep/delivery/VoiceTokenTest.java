package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class VoiceTokenTest {
    private final VoiceToken tokens = new VoiceToken("voice-token-test-secret-0123456789ab".getBytes(StandardCharsets.UTF_8));

    @Test
    void opensWhatItSealedUntilItExpires() {
        String token = tokens.seal(new VoiceToken.Content(7, "123456", 1000));
        assertFalse(token.contains("123456"));
        assertEquals(new VoiceToken.Content(7, "123456", 1000), tokens.open(token, 999).orElseThrow());
        assertTrue(tokens.open(token, 1000).isEmpty());
    }

    @Test
    void refusesForgedOrForeignTokens() {
        String token = tokens.seal(new VoiceToken.Content(7, "123456", 1000));
        char[] chars = token.toCharArray();
        chars[chars.length / 2] = chars[chars.length / 2] == 'A' ? 'B' : 'A';
        assertTrue(tokens.open(new String(chars), 0).isEmpty());
        VoiceToken other = new VoiceToken("another-secret-0123456789abcdefghijkl".getBytes(StandardCharsets.UTF_8));
        assertTrue(other.open(token, 0).isEmpty());
        assertTrue(tokens.open("not a token", 0).isEmpty());
        assertTrue(tokens.open(null, 0).isEmpty());
    }
}
