package dev.twostep.code;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;
import dev.twostep.db.OwnerOnly;

/**
 * The key for code hashes: TWOSTEP_SECRET from the environment when set (at least 32 characters),
 * otherwise 32 random bytes generated on first start and kept in {@code <data-dir>/code-secret}
 * (readable by the owner only). It is kept out of the database on purpose: a copy of the database alone
 * must not be enough to brute-force live codes.
 */
public final class ServerSecret {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSecret.class);
    static final String FILE_NAME = "code-secret";

    private ServerSecret() {
    }

    public static byte[] load(String fromEnvironment, Path dataDir) {
        if (fromEnvironment != null) {
            if (fromEnvironment.length() < 32) {
                throw new ConfigException("twostep.secret", "TWOSTEP_SECRET must have at least 32 characters");
            }
            return fromEnvironment.getBytes(StandardCharsets.UTF_8);
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            OwnerOnly.directories(dataDir);
            if (!Files.exists(file)) {
                createOnce(file);
            }
            byte[] secret = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (secret.length < 32) {
                throw new ConfigException("twostep.data-dir", file + " holds a secret shorter than 32 bytes");
            }
            return secret;
        } catch (IOException e) {
            throw new ConfigException("twostep.data-dir", "cannot read or create " + file + ": " + e
                    + OwnerOnly.writableHint(dataDir, e));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("twostep.data-dir", "cannot read or create " + file + ": " + e.getMessage());
        }
    }

    /**
     * Writes a fresh secret to a temporary file of its own, then links it under the final name, which fails
     * when the name exists: the final file appears at once with its whole content, so a server starting at
     * the same moment either finds nothing or the finished file, never an empty or half-written one, and
     * exactly one secret wins.
     */
    private static void createOnce(Path file) throws IOException {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        Path temp = file.resolveSibling(FILE_NAME + "." + Long.toUnsignedString(new SecureRandom().nextLong(), 36) + ".tmp");
        createOwnerOnly(temp);
        try {
            Files.write(temp, Base64.getEncoder().encode(fresh), StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.SYNC);
            try {
                Files.createLink(file, temp);
            } catch (UnsupportedOperationException noLinks) {
                // A file system without hard links: an atomic rename, which some systems let replace.
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            LOG.info("Generated a new code secret in {}; servers that share one database must all use one secret"
                    + " (TWOSTEP_SECRET)", file.toAbsolutePath());
        } catch (FileAlreadyExistsException raced) {
            // Another process created it first: use theirs.
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Creates the file readable by its owner only from the start, so the secret is never world-readable. */
    private static void createOwnerOnly(Path file) throws IOException {
        if (!OwnerOnly.file(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
    }
}
