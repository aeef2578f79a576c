package dev.twostep.app;

import java.security.SecureRandom;
import java.util.Base64;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Argon2id password hashes in the PHC string format, through Password4j. The defaults are OWASP's
 * minimum (m=19 MiB, t=2, p=1); settings can only make them stronger.
 */
final class PasswordHasher {
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    private final Argon2Function function;
    /** A hash of a random password, checked for unknown users so they take as long as known ones. */
    private final String decoy;

    PasswordHasher(int memoryKib, int iterations) {
        this.function = Argon2Function.getInstance(memoryKib, iterations, 1, HASH_BYTES, Argon2.ID,
                Argon2Function.ARGON2_VERSION_13);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.decoy = hash(Base64.getEncoder().encodeToString(random));
    }

    String hash(String password) {
        return Password.hash(password).addRandomSalt(SALT_BYTES).with(function).getResult();
    }

    boolean check(String password, String storedHash) {
        try {
            return Argon2Function.getInstanceFromHash(storedHash).check(password, storedHash);
        } catch (RuntimeException malformedHash) {
            return false;
        }
    }

    /** Spends the same time as a real check, for a user that does not exist. */
    void wasteTime(String password) {
        function.check(password, decoy);
    }
}
