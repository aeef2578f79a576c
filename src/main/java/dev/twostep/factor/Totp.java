package dev.twostep.factor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords for authenticator apps: TOTP of RFC 6238 over HOTP of RFC 4226.
 *
 * <p>The defaults are the ones every authenticator app understands: HMAC-SHA1, 6 digits, a 30 second
 * step counted from the Unix epoch, and a window of one step each side of the server's so that a phone
 * clock a little off, or a code typed at the end of its step, still counts (RFC 6238 section 5.2).
 *
 * <p><b>Replay.</b> A code stays valid for up to three steps (90 s), so accepting it is not enough:
 * RFC 6238 section 5.2 says a verifier must not accept the same code twice. {@link #verify(byte[], String,
 * long)} returns the time step the code belongs to; the caller stores it as the factor's last accepted
 * step and passes it in next time, and any code of that step or an earlier one is refused. Storing it
 * must itself be a single compare-and-set statement ({@code UPDATE ... SET last_step = ? WHERE id = ?
 * AND last_step < ?}, accepting only when one row changed), so two requests carrying the same code at
 * the same moment cannot both win.
 *
 * <p>Immutable and thread-safe.
 */
public final class Totp {
    /** The HMAC a code is computed with. Apps assume {@link #SHA1} when the URI names none. */
    public enum Algorithm {
        SHA1("HmacSHA1"), SHA256("HmacSHA256"), SHA512("HmacSHA512");

        private final String jca;

        Algorithm(String jca) {
            this.jca = jca;
        }
    }

    /** Digits in a code: {@value}. */
    public static final int DEFAULT_DIGITS = 6;
    /** Length of a time step: 30 seconds. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(30);
    /** Steps accepted on each side of the current one: {@value}. */
    public static final int WINDOW = 1;
    /** Bytes in a generated secret: {@value} (160 bits, the HMAC-SHA1 output length RFC 4226 recommends). */
    public static final int SECRET_BYTES = 20;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
        100_000_000};

    private final Clock clock;
    private final Algorithm algorithm;
    private final int digits;
    private final long periodSeconds;

    /** SHA-1, 6 digits, 30 seconds: what the Key Uri Format's defaults and every app agree on. */
    public Totp(Clock clock) {
        this(clock, Algorithm.SHA1, DEFAULT_DIGITS, DEFAULT_PERIOD);
    }

    /**
     * @param digits 6 to 8 (RFC 4226 asks for at least 6)
     * @param period a whole number of seconds, at least one
     */
    public Totp(Clock clock, Algorithm algorithm, int digits, Duration period) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("TOTP digits must be 6 to 8, not " + digits);
        }
        if (period.isNegative() || period.isZero() || period.getNano() != 0) {
            throw new IllegalArgumentException("the TOTP period must be a whole, positive number of seconds");
        }
        this.digits = digits;
        this.periodSeconds = period.getSeconds();
    }

    /** A new random secret of {@value #SECRET_BYTES} bytes from SecureRandom. */
    public static byte[] generateSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /** The time step now: seconds since the epoch divided by the period, rounded down. */
    public long currentStep() {
        return Math.floorDiv(clock.instant().getEpochSecond(), periodSeconds);
    }

    /** The code of a time step, zero-padded to this generator's digits. */
    public String code(byte[] secret, long step) {
        return hotp(secret, step, algorithm, digits);
    }

    /**
     * Checks a typed code against the current step and one step each side, and returns the step it
     * belongs to, or empty when it belongs to none. Empty, never an exception, for malformed input: null,
     * a wrong number of digits, or anything but ASCII digits (spaces are ignored, since apps show codes as
     * "123 456"). Use {@link #verify(byte[], String, long)} to refuse replays.
     */
    public OptionalLong verify(byte[] secret, String typed) {
        return verify(secret, typed, Long.MIN_VALUE);
    }

    /**
     * Like {@link #verify(byte[], String)}, but refuses a code whose step is {@code lastAcceptedStep} or
     * earlier: a code already used, or one older than a code already used.
     *
     * <p>Every step of the window is computed and compared in constant time, whatever matches first, so
     * the time taken says nothing about which step (if any) matched. When a code matches more than one
     * step (two steps' codes happen to agree, about one chance in a million), the latest is returned, so
     * the stored step moves as far as it can and the code cannot be used again in the window.
     *
     * @param lastAcceptedStep the step this factor last accepted ({@link Long#MIN_VALUE} when none)
     * @return the step to store as the new last accepted step, or empty to refuse the code
     */
    public OptionalLong verify(byte[] secret, String typed, long lastAcceptedStep) {
        Objects.requireNonNull(secret, "secret");
        byte[] candidate = normalise(typed);
        if (candidate == null) {
            return OptionalLong.empty();
        }
        long now = currentStep();
        long matched = Long.MIN_VALUE;
        boolean found = false;
        for (long step = now - WINDOW; step <= now + WINDOW; step++) {
            byte[] expected = code(secret, step).getBytes(StandardCharsets.US_ASCII);
            boolean equal = MessageDigest.isEqual(expected, candidate);
            if (equal && step > lastAcceptedStep) {
                matched = step;
                found = true;
            }
        }
        return found ? OptionalLong.of(matched) : OptionalLong.empty();
    }

    /**
     * The otpauth URI an app scans (Key Uri Format): {@code otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=
     * ISSUER&algorithm=SHA1&digits=6&period=30}, issuer and account percent-encoded as UTF-8 (a space is
     * {@code %20}, never {@code +}).
     *
     * @param issuer the site's name as the app should show it, without a colon
     * @param account the user's name as the app should show it, without a colon
     * @throws IllegalArgumentException when issuer or account is blank or holds a colon: the format uses the
     *     colon to split them, and apps differ in whether they split before or after decoding {@code %3A}
     */
    public String uri(String issuer, String account, byte[] secret) {
        checkLabelPart("issuer", issuer);
        checkLabelPart("account", account);
        String encodedIssuer = percentEncode(issuer);
        return "otpauth://totp/" + encodedIssuer + ":" + percentEncode(account)
                + "?secret=" + Base32.encode(secret)
                + "&issuer=" + encodedIssuer
                + "&algorithm=" + algorithm.name()
                + "&digits=" + digits
                + "&period=" + periodSeconds;
    }

    /** HOTP (RFC 4226 section 5.3): HMAC of the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
    static String hotp(byte[] secret, long counter, Algorithm algorithm, int digits) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance(algorithm.jca);
            // HMAC takes any key length; an empty secret is the only one SecretKeySpec refuses.
            mac.init(new SecretKeySpec(secret, algorithm.jca));
            hash = mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(counter).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.jca + " is not available", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = (hash[offset] & 0x7f) << 24
                | (hash[offset + 1] & 0xff) << 16
                | (hash[offset + 2] & 0xff) << 8
                | (hash[offset + 3] & 0xff);
        String code = Integer.toString(binary % POWERS_OF_TEN[digits]);
        return "0".repeat(digits - code.length()) + code;
    }

    /** The typed code as ASCII bytes without spaces, or null when it is not exactly {@code digits} digits. */
    private byte[] normalise(String typed) {
        if (typed == null) {
            return null;
        }
        byte[] out = new byte[digits];
        int n = 0;
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == ' ') {
                continue;
            }
            // ASCII digits only: Character.isDigit would also take Arabic-Indic or full-width digits.
            if (c < '0' || c > '9' || n == digits) {
                return null;
            }
            out[n++] = (byte) c;
        }
        return n == digits ? out : null;
    }

    private static void checkLabelPart(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the otpauth " + what + " must not be blank");
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException("the otpauth " + what + " must not contain a colon");
        }
    }

    /** RFC 3986 percent-encoding of UTF-8: everything but the unreserved characters A-Z a-z 0-9 - . _ ~ */
    static String percentEncode(String value) {
        StringBuilder out = new StringBuilder(value.length() * 3);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
