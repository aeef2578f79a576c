package dev.twostep.code;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;

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
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                try {
                    createOwnerOnly(file);
                    Files.write(file, Base64.getEncoder().encode(fresh), StandardOpenOption.TRUNCATE_EXISTING);
                    LOG.info("Generated a new code secret in {}; set TWOSTEP_SECRET when several servers share"
                            + " one database", file.toAbsolutePath());
                } catch (FileAlreadyExistsException raced) {
                    // Another instance created it first: use theirs.
                }
            }
            byte[] secret = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (secret.length < 32) {
                throw new ConfigException("twostep.data-dir", file + " holds a secret shorter than 32 bytes");
            }
            return secret;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("twostep.data-dir", "cannot read or create " + file + ": " + e.getMessage());
        }
    }

    /** Creates the file readable by its owner only from the start, so the secret is never world-readable. */
    private static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the folder's ACL applies.
            Files.createFile(file);
        }
    }
}
