package dev.twostep.code;

import static dev.twostep.db.Jdbc.params;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;
import dev.twostep.db.Jdbc;

/**
 * Makes sure every server on one database uses the same code secret. The first server to start writes a
 * check value, HMAC-SHA256(secret, a fixed label), into the database; any server whose secret gives
 * another value refuses to start. Without this, two servers with their own generated secrets would call
 * each other's codes wrong and count them toward the lock. The value reveals nothing of a random secret;
 * a guessable TWOSTEP_SECRET could be tested against it offline by whoever holds a copy of the database,
 * so TWOSTEP_SECRET must be random (README: {@code openssl rand -base64 32}).
 */
public final class KeyCheck {
    private static final Logger LOG = LoggerFactory.getLogger(KeyCheck.class);
    private static final String NAME = "code-secret";
    private static final String LABEL = "twostep key check v1";
    /** Only the first server's value is kept; the others compare theirs with it. */
    private static final String INSERT = "INSERT INTO key_checks (name, check_value) VALUES (?, ?)"
            + " ON CONFLICT (name) DO NOTHING";
    private static final String READ = "SELECT check_value FROM key_checks WHERE name = ?";

    private KeyCheck() {
    }

    /**
     * Records this secret's check value, or compares it with the one recorded.
     *
     * @param where where this server's secret came from, for the message
     * @throws ConfigException naming TWOSTEP_SECRET when the secret differs from the database's
     */
    public static void verify(Jdbc jdbc, byte[] secret, String where) {
        String mine = value(secret);
        if (jdbc.update("recording the code secret's check value", INSERT, params(NAME, mine)) == 1) {
            LOG.info("Recorded the code secret's check value in the database: servers sharing it must use this secret");
            return;
        }
        String recorded = jdbc.queryOne("reading the code secret's check value", READ, params(NAME),
                rs -> rs.getString(1)).orElseThrow();
        if (!MessageDigest.isEqual(recorded.getBytes(StandardCharsets.US_ASCII), mine.getBytes(StandardCharsets.US_ASCII))) {
            throw new ConfigException("twostep.secret", "this server's code secret (" + where + ") is not the one"
                    + " the other servers on this database use, so codes sent by one would be refused by another."
                    + " Set TWOSTEP_SECRET to the same value of at least 32 characters on every server that shares"
                    + " the database. To replace the secret everywhere on purpose, stop all servers and run"
                    + " DELETE FROM key_checks WHERE name = 'code-secret' (codes in flight stop working)");
        }
    }

    static String value(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(LABEL.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
