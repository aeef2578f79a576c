package dev.twostep.app;

import java.time.Duration;
import java.util.Locale;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Password hashes as a release of Twostep stored them in {@code accounts.password_hash}, for tests that build
 * the database of an older release. Public only because those tests live outside this package, as the
 * hasher itself does not.
 */
public final class StoredPasswords {
    private static final PasswordHasher HASHER = new PasswordHasher(new PasswordSettings(
            PasswordSettings.DEFAULT_MEMORY_KIB, PasswordSettings.DEFAULT_ITERATIONS, 1, Duration.ofSeconds(10)));

    private StoredPasswords() {
    }

    /** A hash as AccountService.register stores it: PasswordHasher at the default cost. */
    public static String hash(String password) {
        try (var slot = HASHER.slot()) {
            return HASHER.hash(slot, password);
        } catch (HashingBusyException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A hash as the schema-7 code stored it before hashing moved to Bouncy Castle: Password4j, Argon2id at
     * OWASP's former minimum (m=19 MiB, t=2, p=1). Such hashes stay in the table until their user signs in.
     */
    public static synchronized String password4jHash(String password) {
        // Password4j lower-cases the type name with the default locale: under a Turkish one (the build's
        // second Failsafe run) it writes "$argon2\u0131d$". A server of that release under such a locale aside,
        // the hashes it stored read "$argon2id$".
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.ROOT);
        try {
            return Password.hash(password).addRandomSalt(16).with(Argon2Function.getInstance(19456, 2, 1, 32,
                    Argon2.ID, Argon2Function.ARGON2_VERSION_13)).getResult();
        } finally {
            Locale.setDefault(before);
        }
    }

    /** True when the stored hash has today's algorithm and cost, as after a rehash at sign-in. */
    public static boolean isCurrent(String storedHash) {
        return HASHER.isCurrent(storedHash);
    }
}
