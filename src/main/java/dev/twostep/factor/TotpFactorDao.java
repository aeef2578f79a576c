package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.twostep.db.Jdbc;

/**
 * The totp_factors table: a user's authenticator apps. Every call that names a row also names its user,
 * so an id taken from one user's form never reaches another user's app.
 *
 * <p>Adding an app takes two steps: {@link #newId()}, seal the secret for that id
 * ({@code box.seal(secret, username, TotpFactor.sealId(id))}), then {@link #addUnconfirmed}; the app
 * counts once {@link #confirm} has stored the step of a first code. At sign-in, {@link #acceptStep} is the
 * replay guard of RFC 6238 section 5.2: one statement that moves last_step forward only if it is still
 * behind, so of two requests with the same code exactly one wins.
 */
public final class TotpFactorDao {
    /** Longest label, in characters: the column is VARCHAR({@value}). */
    public static final int MAX_LABEL = 64;

    private static final String COLUMNS = "id, username, label, secret_sealed, last_step, created_at,"
            + " confirmed_at, last_used_at";
    private static final String INSERT = "INSERT INTO totp_factors (id, username, label, secret_sealed,"
            + " last_step, created_at, confirmed_at, last_used_at) VALUES (?, ?, ?, ?, -1, ?, NULL, NULL)";
    private static final String CONFIRM = "UPDATE totp_factors SET confirmed_at = ?, last_step = ?"
            + " WHERE id = ? AND username = ? AND confirmed_at IS NULL AND last_step < ?";
    private static final String RENAME = "UPDATE totp_factors SET label = ? WHERE id = ? AND username = ?";
    private static final String ACCEPT_STEP = "UPDATE totp_factors SET last_step = ?, last_used_at = ?"
            + " WHERE id = ? AND username = ? AND last_step < ? AND confirmed_at IS NOT NULL";
    private static final String LIST = "SELECT " + COLUMNS + " FROM totp_factors WHERE username = ?"
            + " ORDER BY created_at, id";
    private static final String FIND = "SELECT " + COLUMNS + " FROM totp_factors WHERE id = ? AND username = ?";
    private static final String DELETE = "DELETE FROM totp_factors WHERE id = ? AND username = ?";
    private static final String DELETE_UNCONFIRMED = "DELETE FROM totp_factors WHERE username = ?"
            + " AND confirmed_at IS NULL";
    private static final String PURGE_UNCONFIRMED = "DELETE FROM totp_factors WHERE confirmed_at IS NULL"
            + " AND created_at < ?";
    private static final String DELETE_ALL = "DELETE FROM totp_factors WHERE username = ?";

    private final Jdbc jdbc;

    public TotpFactorDao(Jdbc jdbc) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    }

    /** The id for a new app, to seal its secret with before {@link #addUnconfirmed}. */
    public static long newId() {
        return Rows.newId();
    }

    /**
     * Stores a new app, not yet confirmed.
     *
     * @param label what the user calls it ("phone", "work laptop"), 1 to {@value #MAX_LABEL} characters
     * @param secretSealed {@link SecretBox#seal} of the secret for this username and {@code TotpFactor.sealId(id)}
     * @throws IllegalArgumentException when the label is blank or too long
     */
    public void addUnconfirmed(long id, String username, String label, String secretSealed, long now) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(secretSealed, "secretSealed");
        if (label == null || label.isBlank() || Rows.codePoints(label) > MAX_LABEL) {
            throw new IllegalArgumentException("an app's label must be 1 to " + MAX_LABEL + " characters");
        }
        jdbc.update("adding an authenticator app", INSERT, params(id, username, label, secretSealed, now));
    }

    /**
     * Confirms an app with the step of its first code, which becomes its last accepted step (so the code that
     * confirmed it cannot also sign in).
     *
     * @return false when there is no such unconfirmed app of this user, or it already accepted this step
     */
    public boolean confirm(long id, String username, long step, long now) {
        return jdbc.update("confirming an authenticator app", CONFIRM, params(now, step, id, username, step)) == 1;
    }

    /**
     * Accepts a code of time step {@code step} from a confirmed app: moves its last step forward and records
     * the use, in one compare-and-set statement.
     *
     * @return true for exactly one caller per step; false when the app is gone, unconfirmed, or already
     *     accepted this step or a later one (a replay)
     */
    public boolean acceptStep(long id, String username, long step, long now) {
        return jdbc.update("accepting an authenticator code", ACCEPT_STEP, params(step, now, id, username, step)) == 1;
    }

    /**
     * Names an app of this user, as the user called it.
     *
     * @return false when the user has no such app
     * @throws IllegalArgumentException when the label is blank or too long
     */
    public boolean rename(long id, String username, String label) {
        if (label == null || label.isBlank() || Rows.codePoints(label) > MAX_LABEL) {
            throw new IllegalArgumentException("an app's label must be 1 to " + MAX_LABEL + " characters");
        }
        return jdbc.update("naming an authenticator app", RENAME, params(label, id, username)) == 1;
    }

    /** All the user's apps, the unconfirmed ones too, oldest first. */
    public List<TotpFactor> list(String username) {
        return Rows.list(jdbc, "reading authenticator apps", LIST, params(username), TotpFactorDao::map);
    }

    public Optional<TotpFactor> find(long id, String username) {
        return jdbc.queryOne("reading an authenticator app", FIND, params(id, username), TotpFactorDao::map);
    }

    /** @return false when the user has no such app */
    public boolean delete(long id, String username) {
        return jdbc.update("removing an authenticator app", DELETE, params(id, username)) == 1;
    }

    /** Drops apps the user began to add but never confirmed; returns how many. */
    public int deleteUnconfirmed(String username) {
        return jdbc.update("removing unconfirmed authenticator apps", DELETE_UNCONFIRMED, params(username));
    }

    /** Drops every user's apps begun before {@code before} and never confirmed (retention); returns how many. */
    public int purgeUnconfirmedBefore(long before) {
        return jdbc.update("purging unconfirmed authenticator apps", PURGE_UNCONFIRMED, params(before));
    }

    /** Drops all of the user's apps; returns how many. */
    public int deleteAll(String username) {
        return jdbc.update("removing authenticator apps", DELETE_ALL, params(username));
    }

    private static TotpFactor map(ResultSet rs) throws SQLException {
        return new TotpFactor(rs.getLong("id"), rs.getString("username"), rs.getString("label"),
                rs.getString("secret_sealed"), rs.getLong("last_step"), rs.getLong("created_at"),
                Rows.nullableLong(rs, "confirmed_at"), Rows.nullableLong(rs, "last_used_at"));
    }
}
