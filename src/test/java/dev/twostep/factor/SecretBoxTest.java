package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.twostep.factor.SecretBox.OpenFailedException;

class SecretBoxTest {
    private static final byte[] SERVER_SECRET = "secret-of-server-a-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SERVER_SECRET = "secret-of-server-b-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final SecretBox BOX = new SecretBox(SERVER_SECRET);
    private static final byte[] TOTP_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @Test
    void roundTrip() {
        String sealed = BOX.seal(TOTP_SECRET, "alice", "7");
        assertArrayEquals(TOTP_SECRET, BOX.open(sealed, "alice", "7"));
        // Another instance on the same server secret (another server, or after a restart) opens it too.
        assertArrayEquals(TOTP_SECRET, new SecretBox(SERVER_SECRET).open(sealed, "alice", "7"));
    }

    @Test
    void theSealedFormIsVersionedBase64urlWithoutTheSecret() {
        String sealed = BOX.seal(TOTP_SECRET, "alice", "7");
        assertTrue(sealed.startsWith("v1."));
        assertTrue(sealed.substring(3).matches("[A-Za-z0-9_-]+"), sealed);
        assertEquals(3 + 64, sealed.length()); // 12 nonce + 20 secret + 16 tag = 48 bytes
        assertFalse(sealed.contains(Base32.encode(TOTP_SECRET)));
        byte[] raw = Base64.getUrlDecoder().decode(sealed.substring(3));
        assertFalse(new String(raw, StandardCharsets.ISO_8859_1).contains("12345678901234567890"));
    }

    @Test
    void eachSealingUsesAFreshNonce() {
        String first = BOX.seal(TOTP_SECRET, "alice", "7");
        String second = BOX.seal(TOTP_SECRET, "alice", "7");
        assertNotEquals(first, second);
        assertNotEquals(first.substring(3, 19), second.substring(3, 19));
    }

    @Test
    void anotherServerSecretCannotOpen() {
        String sealed = BOX.seal(TOTP_SECRET, "alice", "7");
        assertThrows(OpenFailedException.class, () -> new SecretBox(OTHER_SERVER_SECRET).open(sealed, "alice", "7"));
    }

    @Test
    void movedToAnotherUserOrFactorItDoesNotOpen() {
        String sealed = BOX.seal(TOTP_SECRET, "alice", "7");
        assertThrows(OpenFailedException.class, () -> BOX.open(sealed, "mallory", "7"));
        assertThrows(OpenFailedException.class, () -> BOX.open(sealed, "alice", "8"));
        assertThrows(OpenFailedException.class, () -> BOX.open(sealed, "Alice", "7"));
        // The boundary between name and id is part of what is authenticated.
        String split = BOX.seal(TOTP_SECRET, "ab", "c");
        assertThrows(OpenFailedException.class, () -> BOX.open(split, "a", "bc"));
    }

    @Test
    void everyTamperedByteIsDetected() {
        String sealed = BOX.seal(TOTP_SECRET, "alice", "7");
        byte[] raw = Base64.getUrlDecoder().decode(sealed.substring(3));
        for (int i = 0; i < raw.length; i++) {
            byte[] changed = raw.clone();
            changed[i] ^= 0x01;
            String tampered = "v1." + Base64.getUrlEncoder().withoutPadding().encodeToString(changed);
            assertThrows(OpenFailedException.class, () -> BOX.open(tampered, "alice", "7"), "byte " + i);
        }
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "v1.", "v1.AAAA", "v1.not base64!", "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void malformedTextIsRefused(String sealed) {
        assertThrows(OpenFailedException.class, () -> BOX.open(sealed, "alice", "7"));
    }

    @Test
    void aShortServerSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SecretBox(new byte[31]));
    }
}
