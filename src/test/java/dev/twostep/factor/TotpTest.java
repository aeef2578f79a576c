package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.twostep.factor.Totp.Algorithm;

class TotpTest {
    /** RFC 6238 Appendix A: the seed of each hash is "1234567890" repeated to the hash's output length. */
    private static byte[] rfc6238Seed(Algorithm algorithm) {
        int length = switch (algorithm) {
            case SHA1 -> 20;
            case SHA256 -> 32;
            case SHA512 -> 64;
        };
        return "1234567890".repeat(7).substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] RFC4226_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final long NOW = 1_700_000_000L; // a step boundary is 1_699_999_980 .. 1_700_000_010
    private static final Totp TOTP = at(NOW);

    private static Totp at(long epochSecond) {
        return new Totp(Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    /** RFC 6238 Appendix B, every row: time, T as hex, TOTP, mode (8 digits, 30 s, T0 = 0). */
    @ParameterizedTest(name = "{3} at {0}")
    @CsvSource({
        "59, 0000000000000001, 94287082, SHA1",
        "59, 0000000000000001, 46119246, SHA256",
        "59, 0000000000000001, 90693936, SHA512",
        "1111111109, 00000000023523EC, 07081804, SHA1",
        "1111111109, 00000000023523EC, 68084774, SHA256",
        "1111111109, 00000000023523EC, 25091201, SHA512",
        "1111111111, 00000000023523ED, 14050471, SHA1",
        "1111111111, 00000000023523ED, 67062674, SHA256",
        "1111111111, 00000000023523ED, 99943326, SHA512",
        "1234567890, 000000000273EF07, 89005924, SHA1",
        "1234567890, 000000000273EF07, 91819424, SHA256",
        "1234567890, 000000000273EF07, 93441116, SHA512",
        "2000000000, 0000000003F940AA, 69279037, SHA1",
        "2000000000, 0000000003F940AA, 90698825, SHA256",
        "2000000000, 0000000003F940AA, 38618901, SHA512",
        "20000000000, 0000000027BC86AA, 65353130, SHA1",
        "20000000000, 0000000027BC86AA, 77737706, SHA256",
        "20000000000, 0000000027BC86AA, 47863826, SHA512",
    })
    void rfc6238AppendixB(long time, String stepHex, String expected, Algorithm algorithm) {
        Totp totp = new Totp(Clock.fixed(Instant.ofEpochSecond(time), ZoneOffset.UTC), algorithm, 8,
                Duration.ofSeconds(30));
        long step = totp.currentStep();
        assertEquals(Long.parseLong(stepHex, 16), step);
        byte[] seed = rfc6238Seed(algorithm);
        assertEquals(expected, totp.code(seed, step));
        assertEquals(OptionalLong.of(step), totp.verify(seed, expected));
    }

    /** RFC 4226 Appendix D: HOTP values of counters 0 to 9 for the secret "12345678901234567890". */
    @ParameterizedTest(name = "counter {0}")
    @CsvSource({
        "0, 755224", "1, 287082", "2, 359152", "3, 969429", "4, 338314",
        "5, 254676", "6, 287922", "7, 162583", "8, 399871", "9, 520489",
    })
    void rfc4226AppendixD(long counter, String expected) {
        assertEquals(expected, Totp.hotp(RFC4226_SECRET, counter, Algorithm.SHA1, 6));
        // A TOTP with 6 digits is the HOTP of the step: the same values from the time-based side.
        assertEquals(expected, at(counter * 30 + 29).code(RFC4226_SECRET, counter));
    }

    @Test
    void defaultsAreSha1SixDigitsThirtySeconds() {
        long step = TOTP.currentStep();
        assertEquals(NOW / 30, step);
        assertEquals(Totp.hotp(RFC4226_SECRET, step, Algorithm.SHA1, 6), TOTP.code(RFC4226_SECRET, step));
        assertEquals(6, TOTP.code(RFC4226_SECRET, step).length());
    }

    @Test
    void stepsChangeOnThePeriodBoundary() {
        long boundary = (NOW / 30) * 30;
        assertEquals(NOW / 30 - 1, at(boundary - 1).currentStep());
        assertEquals(NOW / 30, at(boundary).currentStep());
        assertEquals(NOW / 30, at(boundary + 29).currentStep());
    }

    @ParameterizedTest(name = "offset {0}")
    @ValueSource(ints = {-1, 0, 1})
    void oneStepEachSideIsAccepted(int offset) {
        long step = TOTP.currentStep() + offset;
        assertEquals(OptionalLong.of(step), TOTP.verify(RFC4226_SECRET, TOTP.code(RFC4226_SECRET, step)));
    }

    @ParameterizedTest(name = "offset {0}")
    @ValueSource(ints = {-3, -2, 2, 3})
    void twoStepsAwayIsRefused(int offset) {
        long now = TOTP.currentStep();
        String code = TOTP.code(RFC4226_SECRET, now + offset);
        // Unless by chance the code is also that of a step in the window (one in a million per step).
        for (long step = now - 1; step <= now + 1; step++) {
            assertNotEquals(TOTP.code(RFC4226_SECRET, step), code);
        }
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, code));
    }

    @Test
    void aCodeIsAcceptedOnceThenRefused() {
        long now = TOTP.currentStep();
        String code = TOTP.code(RFC4226_SECRET, now);
        OptionalLong first = TOTP.verify(RFC4226_SECRET, code, Long.MIN_VALUE);
        assertEquals(OptionalLong.of(now), first);
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, code, first.getAsLong()));
        // Still refused a step later, while the code is in the window behind.
        assertEquals(OptionalLong.empty(), at(NOW + 30).verify(RFC4226_SECRET, code, first.getAsLong()));
    }

    @Test
    void anOlderCodeIsRefusedOnceANewerWasAccepted() {
        long now = TOTP.currentStep();
        String previous = TOTP.code(RFC4226_SECRET, now - 1);
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, previous, now));
        // The next step's code (a clock ahead) still counts after the current one.
        assertEquals(OptionalLong.of(now + 1), TOTP.verify(RFC4226_SECRET, TOTP.code(RFC4226_SECRET, now + 1), now));
    }

    @Test
    void spacesAsAppsShowThemAreIgnored() {
        String code = TOTP.code(RFC4226_SECRET, TOTP.currentStep());
        String spaced = " " + code.substring(0, 3) + " " + code.substring(3) + " ";
        assertEquals(OptionalLong.of(TOTP.currentStep()), TOTP.verify(RFC4226_SECRET, spaced));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @NullSource
    @ValueSource(strings = {"", " ", "12345", "1234567", "12a456", "12345x", "-12345", "+12345", "123.45",
        "１２３４５６", "١٢٣٤٥٦", "123\t456", "123456\n", "0x1234", "1e5678"})
    void malformedInputIsRefusedWithoutAnException(String typed) {
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, typed));
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, typed, Long.MIN_VALUE));
    }

    @Test
    void aWrongCodeIsRefused() {
        String code = TOTP.code(RFC4226_SECRET, TOTP.currentStep());
        String wrong = (char) ('0' + (code.charAt(0) - '0' + 1) % 10) + code.substring(1);
        assertEquals(OptionalLong.empty(), TOTP.verify(RFC4226_SECRET, wrong));
        assertEquals(OptionalLong.empty(), TOTP.verify("another secret of 20b".getBytes(StandardCharsets.US_ASCII), code));
    }

    @Test
    void generatedSecretsAreTwentyRandomBytes() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            byte[] secret = Totp.generateSecret();
            assertEquals(20, secret.length);
            assertEquals(32, Base32.encode(secret).length());
            assertTrue(seen.add(Base32.encode(secret)));
        }
    }

    @Test
    void theUriFollowsTheKeyUriFormat() {
        byte[] secret = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        assertEquals("otpauth://totp/Twostep:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=Twostep&algorithm=SHA1&digits=6&period=30",
                TOTP.uri("Twostep", "alice@example.com", secret));
    }

    @Test
    void issuerAndAccountArePercentEncodedAsUtf8() {
        String uri = TOTP.uri("ACME Co & Sons", "Zoë Ünal/#?+%", new byte[] {1});
        assertEquals("otpauth://totp/ACME%20Co%20%26%20Sons:Zo%C3%AB%20%C3%9Cnal%2F%23%3F%2B%25?secret=AE"
                + "&issuer=ACME%20Co%20%26%20Sons&algorithm=SHA1&digits=6&period=30", uri);
        assertFalse(uri.contains("+"));
        assertFalse(uri.contains(" "));
        assertEquals("-._~", Totp.percentEncode("-._~"));
    }

    @Test
    void theUriNamesOtherAlgorithmsAndDigits() {
        Totp totp = new Totp(Clock.systemUTC(), Algorithm.SHA256, 8, Duration.ofSeconds(60));
        assertTrue(totp.uri("i", "a", new byte[] {1}).endsWith("&algorithm=SHA256&digits=8&period=60"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "  ", "a:b", ":"})
    void aBlankOrColonLabelIsRefused(String value) {
        assertThrows(IllegalArgumentException.class, () -> TOTP.uri(value, "alice", new byte[] {1}));
        assertThrows(IllegalArgumentException.class, () -> TOTP.uri("Twostep", value, new byte[] {1}));
    }

    @Test
    void settingsOutsideTheRfcAreRefused() {
        Clock clock = Clock.systemUTC();
        assertThrows(IllegalArgumentException.class, () -> new Totp(clock, Algorithm.SHA1, 5, Duration.ofSeconds(30)));
        assertThrows(IllegalArgumentException.class, () -> new Totp(clock, Algorithm.SHA1, 9, Duration.ofSeconds(30)));
        assertThrows(IllegalArgumentException.class, () -> new Totp(clock, Algorithm.SHA1, 6, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Totp(clock, Algorithm.SHA1, 6, Duration.ofMillis(1500)));
    }
}
