package dev.twostep.factor;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adding an authenticator app and signing in with one, over {@link TotpFactorDao}, {@link SecretBox} and
 * {@link Totp}: the secrets only ever reach the database sealed, and every accepted code moves the app's
 * last step forward in one compare-and-set, so a code counts once.
 *
 * <p>Thread-safe.
 */
public final class AuthenticatorApps {
    /** The label of an app the user did not name. */
    public static final String DEFAULT_LABEL = "Authenticator app";
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticatorApps.class);

    private final TotpFactorDao dao;
    private final SecretBox box;
    private final Totp totp;
    private final Clock clock;
    private final String issuer;

    /** @param issuer the site's name as apps show it (twostep.app-name) */
    public AuthenticatorApps(TotpFactorDao dao, SecretBox box, Clock clock, String issuer) {
        this.dao = Objects.requireNonNull(dao, "dao");
        this.box = Objects.requireNonNull(box, "box");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.totp = new Totp(clock);
        this.issuer = labelPart(issuer, "Twostep");
    }

    /**
     * An app being added: what the page shows. The secret is here only to be shown once to its owner.
     *
     * @param secretText the secret in Base32, in groups of four for typing
     * @param uri the otpauth URI the QR code holds
     */
    public record Pending(long id, String secretText, String uri) {
    }

    /**
     * Begins adding an app: a new secret, stored sealed and unconfirmed. Apps this user began to add and
     * never confirmed are dropped first, so reloading the page leaves one pending app, not many.
     */
    public Pending begin(String username) {
        dao.deleteUnconfirmed(username);
        long id = TotpFactorDao.newId();
        byte[] secret = Totp.generateSecret();
        dao.addUnconfirmed(id, username, DEFAULT_LABEL, box.seal(secret, username, TotpFactor.sealId(id)),
                clock.millis());
        return pending(id, username, secret);
    }

    /** The app this user began to add with this id, still unconfirmed, to show again; empty when gone. */
    public Optional<Pending> pending(String username, long id) {
        return dao.find(id, username).filter(f -> !f.confirmed())
                .flatMap(f -> open(f).map(secret -> pending(id, username, secret)));
    }

    /**
     * Confirms the pending app with a first code (one step of window each side). Its step becomes the app's
     * last accepted step, so the same code cannot also sign in.
     *
     * @return false for a wrong code, or when the app is gone or already confirmed
     */
    public boolean confirm(String username, long id, String typed) {
        Optional<TotpFactor> factor = dao.find(id, username).filter(f -> !f.confirmed());
        if (factor.isEmpty()) {
            return false;
        }
        Optional<byte[]> secret = open(factor.get());
        if (secret.isEmpty()) {
            return false;
        }
        OptionalLong step = totp.verify(secret.get(), typed, factor.get().lastStep());
        return step.isPresent() && dao.confirm(id, username, step.getAsLong(), clock.millis());
    }

    /**
     * The name a user typed for an app, tidied: control and format characters dropped, runs of white space made one
     * space, trimmed. Empty when nothing is left (the app keeps {@link #DEFAULT_LABEL}).
     *
     * @throws IllegalArgumentException when it is longer than {@link TotpFactorDao#MAX_LABEL} characters
     */
    public static Optional<String> label(String typed) {
        if (typed == null) {
            return Optional.empty();
        }
        // Control and format characters (a right-to-left override would make the name read as another) go.
        String tidy = typed.replaceAll("[\\p{Cntrl}\\p{Cf}]", " ").replaceAll("\\s+", " ").strip();
        if (tidy.isEmpty()) {
            return Optional.empty();
        }
        if (tidy.codePointCount(0, tidy.length()) > TotpFactorDao.MAX_LABEL) {
            throw new IllegalArgumentException("an app's name must be at most " + TotpFactorDao.MAX_LABEL
                    + " characters");
        }
        return Optional.of(tidy);
    }

    /** Names one of the user's apps; false when the user has no such app. */
    public boolean rename(String username, long id, String label) {
        return dao.rename(id, username, label);
    }

    /** True when the user has at least one confirmed app. */
    public boolean hasConfirmed(String username) {
        return !confirmed(username).isEmpty();
    }

    /** The user's confirmed apps, oldest first. */
    public java.util.List<TotpFactor> confirmed(String username) {
        return dao.list(username).stream().filter(TotpFactor::confirmed).toList();
    }

    /**
     * Checks a sign-in code against each of the user's confirmed apps and accepts it at most once: a code
     * of a step an app already accepted (or an earlier one) is refused, and of two requests with the same
     * code only one is accepted.
     *
     * @return the label of the app that accepted the code, or empty to refuse it
     */
    public Optional<String> signIn(String username, String typed) {
        if (!wellFormed(typed)) {
            return Optional.empty();
        }
        for (TotpFactor factor : dao.list(username)) {
            if (!factor.confirmed()) {
                continue;
            }
            Optional<byte[]> secret = open(factor);
            if (secret.isEmpty()) {
                continue;
            }
            OptionalLong step = totp.verify(secret.get(), typed, factor.lastStep());
            if (step.isPresent() && dao.acceptStep(factor.id(), username, step.getAsLong(), clock.millis())) {
                return Optional.of(factor.label());
            }
        }
        return Optional.empty();
    }

    /** True for six ASCII digits, spaces ignored: what an app shows. Anything else is not a try at a code. */
    public static boolean wellFormed(String typed) {
        if (typed == null || typed.length() > 16) {
            return false;
        }
        int digits = 0;
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == ' ') {
                continue;
            }
            if (c < '0' || c > '9') {
                return false;
            }
            digits++;
        }
        return digits == Totp.DEFAULT_DIGITS;
    }

    private Pending pending(long id, String username, byte[] secret) {
        return new Pending(id, grouped(Base32.encode(secret)), totp.uri(issuer, labelPart(username, "user"), secret));
    }

    private Optional<byte[]> open(TotpFactor factor) {
        try {
            return Optional.of(box.open(factor.secretSealed(), factor.username(), factor.sealId()));
        } catch (SecretBox.OpenFailedException e) {
            LOG.error("Authenticator app {} of a user cannot be opened: {}", factor.id(), e.getMessage());
            return Optional.empty();
        }
    }

    /** "ABCDEFGH..." as "ABCD EFGH ...". */
    static String grouped(String text) {
        StringBuilder out = new StringBuilder(text.length() + text.length() / 4);
        for (int i = 0; i < text.length(); i += 4) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(text, i, Math.min(text.length(), i + 4));
        }
        return out.toString();
    }

    /** The otpauth label splits issuer and account at a colon, so neither may hold one. */
    private static String labelPart(String value, String fallback) {
        String cleaned = value == null ? "" : value.replace(':', ' ').strip();
        return cleaned.isEmpty() ? fallback : cleaned;
    }
}
