package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.twostep.db.Jdbc;

/**
 * The recovery_codes table: a user's current set of recovery codes, as {@link RecoveryCodes#hash} values
 * only. A user has one set at a time: {@link #replace} deletes the old set, used codes included, and
 * inserts the new one in one transaction, so no moment has both sets or neither. {@link #use} spends a
 * code in one statement that only an unused code passes, so of two requests with the same code exactly
 * one wins.
 */
public final class RecoveryCodeDao {
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
    private static final String DELETE_ALL = "DELETE FROM recovery_codes WHERE username = ?";
    private static final String INSERT = "INSERT INTO recovery_codes (username, code_hash, set_id, created_at,"
            + " used_at) VALUES (?, ?, ?, ?, NULL)";
    private static final String USE = "UPDATE recovery_codes SET used_at = ?"
            + " WHERE username = ? AND code_hash = ? AND used_at IS NULL";
    private static final String REMAINING = "SELECT COUNT(*) FROM recovery_codes WHERE username = ?"
            + " AND used_at IS NULL";
    private static final String SUMMARY = "SELECT COUNT(*) AS total,"
            + " SUM(CASE WHEN used_at IS NULL THEN 1 ELSE 0 END) AS remaining,"
            + " MIN(created_at) AS created_at, MAX(used_at) AS last_used_at"
            + " FROM recovery_codes WHERE username = ?";

    /** The user's set at a glance, for the security page. */
    public record Summary(int total, int remaining, long createdAt, Long lastUsedAt) {
    }

    private final Jdbc jdbc;

    public RecoveryCodeDao(Jdbc jdbc) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    }

    /**
     * Replaces the user's set (if any) with a new one, in one transaction.
     *
     * @param codeHashes the {@link RecoveryCodes#hash} of each new code: distinct, lower-case hex, at least one
     * @return the new set's id
     * @throws IllegalArgumentException when a hash is malformed or two are equal
     */
    public long replace(String username, List<String> codeHashes, long now) {
        Objects.requireNonNull(username, "username");
        if (codeHashes.isEmpty() || new HashSet<>(codeHashes).size() != codeHashes.size()) {
            throw new IllegalArgumentException("a set of recovery codes needs at least one code, each once");
        }
        for (String hash : codeHashes) {
            if (hash == null || !HEX_64.matcher(hash).matches()) {
                throw new IllegalArgumentException("a recovery code hash is 64 lower-case hex digits");
            }
        }
        long setId = Rows.newId();
        jdbc.inTransaction("replacing recovery codes", c -> {
            Jdbc.update(c, DELETE_ALL, params(username));
            for (String hash : codeHashes) {
                Jdbc.update(c, INSERT, params(username, hash, setId, now));
            }
            return null;
        });
        return setId;
    }

    /**
     * Spends a code.
     *
     * @param codeHash {@link RecoveryCodes#hash} of the typed code for this user
     * @return true for exactly one caller per code; false when the user has no such code, or it was used
     */
    public boolean use(String username, String codeHash, long now) {
        return jdbc.update("using a recovery code", USE, params(now, username, codeHash)) == 1;
    }

    /** Unused codes the user has left. */
    public int remaining(String username) {
        return jdbc.queryOne("counting recovery codes", REMAINING, params(username), rs -> rs.getInt(1)).orElse(0);
    }

    /** The user's set: how many codes, how many left, when made and last used; empty when the user has none. */
    public Optional<Summary> summary(String username) {
        return jdbc.queryOne("reading recovery codes", SUMMARY, params(username), rs -> {
            int total = rs.getInt("total");
            if (total == 0) {
                return null;
            }
            return new Summary(total, rs.getInt("remaining"), rs.getLong("created_at"),
                    Rows.nullableLong(rs, "last_used_at"));
        });
    }

    /** Drops the user's set; returns how many codes went. */
    public int deleteAll(String username) {
        return jdbc.update("removing recovery codes", DELETE_ALL, params(username));
    }
}
