package dev.twostep.code;

import static dev.twostep.db.Jdbc.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;

/** The challenges table: one row per code sent. */
final class ChallengeDao {
    private static final String COLUMNS = "id, username, purpose, channel, destination, code_hash, created_at,"
            + " expires_at, attempts, consumed_at, revoked_at, provider_id, delivery_status, delivery_error";

    private static final String INSERT = "INSERT INTO challenges (id, username, purpose, channel, destination,"
            + " code_hash, created_at, expires_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)";

    private static final String FIND = "SELECT " + COLUMNS + " FROM challenges WHERE id = ? AND username = ?";

    /** Takes one try before the comparison, and only from a live code with tries left. */
    private static final String TAKE_ATTEMPT = "UPDATE challenges SET attempts = attempts + 1"
            + " WHERE id = ? AND username = ? AND consumed_at IS NULL AND revoked_at IS NULL"
            + " AND expires_at > ? AND attempts < ?";

    /** Marks a code used; only one caller can win this for a given row. */
    private static final String CONSUME = "UPDATE challenges SET consumed_at = ?"
            + " WHERE id = ? AND username = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?";

    /**
     * Older codes only (ties in the same millisecond broken by id), so two sends at once (a double click)
     * cannot cancel each other: exactly one of them stays.
     */
    private static final String REVOKE_OTHERS = "UPDATE challenges SET revoked_at = ?"
            + " WHERE username = ? AND (created_at < ? OR (created_at = ? AND id < ?))"
            + " AND consumed_at IS NULL AND revoked_at IS NULL";

    private static final String REVOKE = "UPDATE challenges SET revoked_at = ?"
            + " WHERE id = ? AND consumed_at IS NULL AND revoked_at IS NULL";

    private static final String SET_PROVIDER_ID = "UPDATE challenges SET provider_id = ? WHERE id = ?";

    /** Only before any report: a report that came in the meantime knows better. */
    private static final String SET_UNCERTAIN = "UPDATE challenges SET delivery_status = ?"
            + " WHERE id = ? AND delivery_status IS NULL";

    /** A final status is never overwritten by a late report of an earlier one. */
    private static final String RECORD_STATUS = "UPDATE challenges SET delivery_status = ?, delivery_error = ?"
            + " WHERE provider_id = ? AND (delivery_status IS NULL OR delivery_status NOT IN"
            + " ('delivered', 'undelivered', 'failed', 'completed', 'busy', 'no-answer', 'canceled'))";

    /** The oldest codes, a batch at a time (the last parameter); kept for the retention period only. */
    private static final String PURGE = "DELETE FROM challenges WHERE id IN (SELECT id FROM challenges"
            + " WHERE created_at < ? LIMIT ?)";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM challenges WHERE id = ?";

    private final Jdbc jdbc;

    ChallengeDao(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Challenge c, String codeHash) {
        jdbc.update("saving a new code", INSERT, params(c.id(), c.username(), c.purpose().name(), c.channel().name(),
                c.destination(), codeHash, c.createdAt(), c.expiresAt()));
    }

    Optional<Challenge> find(long id, String username) {
        return jdbc.queryOne("reading a code", FIND, params(id, username), ChallengeDao::map);
    }

    Optional<String> findHash(long id, String username) {
        return jdbc.queryOne("reading a code", "SELECT code_hash FROM challenges WHERE id = ? AND username = ?",
                params(id, username), rs -> rs.getString(1));
    }

    boolean takeAttempt(long id, String username, long now, int maxAttempts) {
        return jdbc.update("counting a try", TAKE_ATTEMPT, params(id, username, now, maxAttempts)) == 1;
    }

    boolean consume(long id, String username, long now) {
        return jdbc.update("using up a code", CONSUME, params(now, id, username, now)) == 1;
    }

    void revokeOlder(String username, long keepId, long createdAt, long now) {
        jdbc.update("replacing older codes", REVOKE_OTHERS, params(now, username, createdAt, createdAt, keepId));
    }

    void revoke(long id, long now) {
        jdbc.update("cancelling a code", REVOKE, params(now, id));
    }

    int recordStatus(String providerId, String status, String error) {
        return jdbc.update("recording a delivery report", RECORD_STATUS, params(status, error, providerId));
    }

    Optional<Challenge> findById(long id) {
        return jdbc.queryOne("reading a code", FIND_BY_ID, params(id), ChallengeDao::map);
    }

    /**
     * After a successful send, in one transaction: older open codes of the user stop working, the provider's
     * id is recorded (when there is one), and the challenge is read back.
     */
    Optional<Challenge> sent(String username, long id, long createdAt, long now, String providerId) {
        return jdbc.inTransaction("recording a sent code", c -> {
            Jdbc.update(c, REVOKE_OTHERS, params(now, username, createdAt, createdAt, id));
            if (providerId != null) {
                Jdbc.update(c, SET_PROVIDER_ID, params(providerId, id));
            }
            try (var ps = c.prepareStatement(FIND)) {
                params(id, username).bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(map(rs)) : Optional.<Challenge>empty();
                }
            }
        });
    }

    long purgeCreatedBefore(long before, int batch) {
        return jdbc.deleteInBatches("purging old codes", PURGE, batch, before);
    }

    /** Records that the provider may or may not have the code: its answer never came. */
    void markUncertain(long id) {
        jdbc.update("recording an uncertain delivery", SET_UNCERTAIN, params(Challenge.UNCERTAIN, id));
    }

    private static Challenge map(ResultSet rs) throws SQLException {
        return new Challenge(rs.getLong("id"), rs.getString("username"), Purpose.valueOf(rs.getString("purpose")),
                Channel.valueOf(rs.getString("channel")), rs.getString("destination"), rs.getLong("created_at"),
                rs.getLong("expires_at"), rs.getInt("attempts"), nullableLong(rs, "consumed_at"),
                nullableLong(rs, "revoked_at"), rs.getString("provider_id"), rs.getString("delivery_status"),
                rs.getString("delivery_error"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
