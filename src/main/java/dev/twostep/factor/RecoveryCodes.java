package dev.twostep.factor;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Recovery codes: {@value #COUNT} single-use codes a user keeps on paper for when their other factors are
 * lost. A code is {@value #LENGTH} characters from a 32-letter alphabet without look-alikes (Crockford's
 * base32 in lower case: digits and letters but i, l, o and u), shown as {@code xxxxx-xxxxx}, drawn from
 * SecureRandom: {@value #LENGTH} x log2(32) = {@value #BITS} bits each.
 *
 * <p><b>Stored hashed.</b> Only HMAC-SHA256(key, user name ":" code) is kept, the key derived from the
 * server secret with HKDF and the label {@value #LABEL}. A keyed fast hash is enough here, where a
 * password needs a slow one, because the input is random and long, not chosen by a person:
 * <ul>
 *   <li>Online, a guess hits one of a user's ten codes with probability 10 / 2^50, about 9 x 10^-15,
 *       and the attempt locks allow a handful of guesses.</li>
 *   <li>Offline with a copy of the database only, nothing can be tested: the key is not in the database
 *       (ServerSecret), and without it a stored hash says nothing about the code.</li>
 *   <li>Offline with the database and the server secret, each guess tests one user (the name is in the
 *       hash, so there is no table to precompute and no testing all users at once); finding one code of
 *       one user takes 2^50 / (2 x 10), about 5.6 x 10^13 HMACs on average, some hours on a rack of GPUs
 *       at 10^10 per second. But whoever has the server secret and the database can already decrypt every
 *       TOTP secret (SecretBox), so a slow hash would protect nothing that is not already lost, while
 *       costing ten slow hashes (one per stored code with its own salt) on every recovery attempt, a lever
 *       for tying up the sign-in path.</li>
 * </ul>
 * Low-entropy secrets would need a slow hash; 50 random bits under a key kept out of the database do not.
 * The user name binds a hash to its user: a set of hashes copied into another user's rows matches nothing.
 * The caller passes the same stable user name when storing and checking.
 *
 * <p>Thread-safe.
 */
public final class RecoveryCodes {
    /** The HKDF label the hashing key is derived with. */
    public static final String LABEL = "twostep recovery codes v1";
    /** Codes in a set: {@value}. */
    public static final int COUNT = 10;
    /** Characters in a code, without the dash: {@value}. */
    public static final int LENGTH = 10;
    /** Random bits in a code: {@value}. */
    public static final int BITS = 50;

    /** Crockford's base32 alphabet, lower case: no i, l, o (look like 1 and 0) and no u. */
    static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
    private static final String ALGORITHM = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** @param serverSecret the server secret (TWOSTEP_SECRET or the generated one), at least 32 bytes */
    public RecoveryCodes(byte[] serverSecret) {
        this.key = new SecretKeySpec(Hkdf.derive(serverSecret, LABEL, 32), ALGORITHM);
    }

    /** A new set of {@value #COUNT} distinct codes in their display form {@code xxxxx-xxxxx}. */
    public List<String> generate() {
        Set<String> codes = new LinkedHashSet<>();
        // Two equal codes in a set are one chance in 10^13; a set must still never hold one twice.
        while (codes.size() < COUNT) {
            StringBuilder code = new StringBuilder(LENGTH + 1);
            for (int i = 0; i < LENGTH; i++) {
                if (i == LENGTH / 2) {
                    code.append('-');
                }
                code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            }
            codes.add(code.toString());
        }
        return List.copyOf(codes);
    }

    /**
     * A typed code in its canonical form ({@value #LENGTH} characters of the alphabet, no dash), or empty
     * when it cannot be one. Forgiving where a person copying from paper errs: upper case, spaces, dashes
     * (also the typographic ones a phone keyboard substitutes), and i, l and o read as 1, 1 and 0.
     */
    public static Optional<String> normalise(String typed) {
        if (typed == null) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder(LENGTH);
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || isDash(c)) {
                continue;
            }
            // ASCII case folding by hand: toLowerCase under a Turkish locale turns 'I' into a dotless i.
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c == 'i' || c == 'l') {
                c = '1';
            } else if (c == 'o') {
                c = '0';
            }
            if (ALPHABET.indexOf(c) < 0 || out.length() == LENGTH) {
                return Optional.empty();
            }
            out.append(c);
        }
        return out.length() == LENGTH ? Optional.of(out.toString()) : Optional.empty();
    }

    /**
     * The hash to store for, or to look up, a user's code: lower-case hex of HMAC-SHA256 over
     * {@code userName ":" normalised code}. Empty when the code is malformed. Equal codes of one user give
     * equal hashes, so a database can find a typed code by its hash and mark it used in one statement.
     */
    public Optional<String> hash(String userName, String code) {
        Objects.requireNonNull(userName, "userName");
        return normalise(code).map(canonical -> HexFormat.of().formatHex(hmac(userName + ":" + canonical)));
    }

    /** Whether a typed code is the one behind a stored hash, compared in constant time; false if malformed. */
    public boolean matches(String userName, String typed, String storedHash) {
        if (storedHash == null) {
            return false;
        }
        Optional<String> hash = hash(userName, typed);
        return hash.isPresent() && MessageDigest.isEqual(hash.get().getBytes(StandardCharsets.US_ASCII),
                storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] hmac(String message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static boolean isDash(char c) {
        // hyphen-minus, the Unicode hyphens and dashes U+2010..U+2015, and the minus sign
        return c == '-' || c >= '\u2010' && c <= '\u2015' || c == '\u2212';
    }
}
