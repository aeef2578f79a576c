package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.twostep.db.Jdbc;

/**
 * The remembered_devices table: devices whose cookie spares their user the second step until they expire
 * or are revoked. Only a hash of the cookie's token is stored (64 hex digits, such as SHA-256 or an
 * HMAC of it), so a copy of the database yields no cookie. A device is live while it is neither revoked
 * nor expired; the lookups here return live devices only, and the caller still checks that the device's
 * user is the one signing in.
 */
public final class RememberedDeviceDao {
    /** Longest label, in characters: the column is VARCHAR({@value}); longer labels are cut. */
    public static final int MAX_LABEL = 255;

    private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
    private static final String COLUMNS = "id, username, token_hash, label, created_at, last_seen_at,"
            + " expires_at, revoked_at";
    private static final String INSERT = "INSERT INTO remembered_devices (id, username, token_hash, label,"
            + " created_at, last_seen_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)";
    private static final String FIND_LIVE = "SELECT " + COLUMNS + " FROM remembered_devices"
            + " WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?";
    private static final String TOUCH = "UPDATE remembered_devices SET last_seen_at = ?"
            + " WHERE id = ? AND revoked_at IS NULL AND expires_at > ?";
    private static final String REVOKE = "UPDATE remembered_devices SET revoked_at = ?"
            + " WHERE id = ? AND username = ? AND revoked_at IS NULL";
    private static final String REVOKE_ALL = "UPDATE remembered_devices SET revoked_at = ?"
            + " WHERE username = ? AND revoked_at IS NULL";
    private static final String PURGE = "DELETE FROM remembered_devices WHERE expires_at < ? OR revoked_at < ?";
    private static final String LIST_LIVE = "SELECT " + COLUMNS + " FROM remembered_devices"
            + " WHERE username = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY last_seen_at DESC, id";

    private final Jdbc jdbc;

    public RememberedDeviceDao(Jdbc jdbc) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    }

    /**
     * Remembers a device.
     *
     * @param tokenHash the hash of the cookie's token, 64 lower-case hex digits
     * @param label a summary of the user agent, cut to {@value #MAX_LABEL} characters
     * @return the new device's id
     */
    public long add(String username, String tokenHash, String label, long now, long expiresAt) {
        Objects.requireNonNull(username, "username");
        requireHash(tokenHash);
        long id = Rows.newId();
        jdbc.update("remembering a device", INSERT, params(id, username, tokenHash,
                Rows.truncate(label == null ? "" : label, MAX_LABEL), now, now, expiresAt));
        return id;
    }

    /** The live device whose cookie token hashes to {@code tokenHash}; empty when none, revoked or expired. */
    public Optional<RememberedDevice> findLive(String tokenHash, long now) {
        if (tokenHash == null || !HEX_64.matcher(tokenHash).matches()) {
            return Optional.empty();
        }
        return jdbc.queryOne("reading a remembered device", FIND_LIVE, params(tokenHash, now), RememberedDeviceDao::map);
    }

    /** Records that a live device was seen; false when it is gone, revoked or expired. */
    public boolean touch(long id, long now) {
        return jdbc.update("noting a remembered device", TOUCH, params(now, id, now)) == 1;
    }

    /** Revokes one of the user's devices; false when the user has no such device still unrevoked. */
    public boolean revoke(long id, String username, long now) {
        return jdbc.update("forgetting a device", REVOKE, params(now, id, username)) == 1;
    }

    /**
     * Revokes all of the user's devices (a changed password or factor, "sign out everywhere").
     *
     * @return how many were revoked now
     */
    public int revokeAll(String username, long now) {
        return jdbc.update("forgetting all devices", REVOKE_ALL, params(now, username));
    }

    /** The user's live devices, the most recently seen first. */
    public List<RememberedDevice> listLive(String username, long now) {
        return Rows.list(jdbc, "reading remembered devices", LIST_LIVE, params(username, now), RememberedDeviceDao::map);
    }

    /** Deletes the devices that expired or were revoked before {@code before} (retention); returns how many. */
    public int purgeEndedBefore(long before) {
        return jdbc.update("purging ended devices", PURGE, params(before, before));
    }

    private static void requireHash(String tokenHash) {
        if (tokenHash == null || !HEX_64.matcher(tokenHash).matches()) {
            throw new IllegalArgumentException("a device token hash is 64 lower-case hex digits");
        }
    }

    private static RememberedDevice map(ResultSet rs) throws SQLException {
        return new RememberedDevice(rs.getLong("id"), rs.getString("username"), rs.getString("token_hash"),
                rs.getString("label"), rs.getLong("created_at"), rs.getLong("last_seen_at"),
                rs.getLong("expires_at"), Rows.nullableLong(rs, "revoked_at"));
    }
}
