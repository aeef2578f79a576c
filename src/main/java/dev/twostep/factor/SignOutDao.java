package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;

import java.util.Objects;

import dev.twostep.db.Jdbc;

/**
 * The sign_outs table: per user, the time before which no sign-in of theirs counts any more ("sign out
 * everywhere", a changed password). One row per user holding the latest such time.
 */
public final class SignOutDao {
    /**
     * Moves the time forward only: of two sign-outs recorded out of order (two servers, a slow request), the
     * later one stays. {@code ON CONFLICT ... DO UPDATE ... WHERE} is taken by SQLite (3.24 and later) and
     * PostgreSQL alike.
     */
    private static final String RECORD = "INSERT INTO sign_outs (username, signed_out_at) VALUES (?, ?)"
            + " ON CONFLICT (username) DO UPDATE SET signed_out_at = excluded.signed_out_at"
            + " WHERE excluded.signed_out_at > sign_outs.signed_out_at";
    private static final String FIND = "SELECT signed_out_at FROM sign_outs WHERE username = ?";

    private final Jdbc jdbc;

    public SignOutDao(Jdbc jdbc) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    }

    /** Records that every sign-in of this user that began before {@code at} (epoch ms) ends. */
    public void record(String username, long at) {
        Objects.requireNonNull(username, "username");
        jdbc.update("recording a sign-out everywhere", RECORD, params(username, at));
    }

    /** The time before which this user's sign-ins no longer count (epoch ms), or 0 when there is none. */
    public long signedOutAt(String username) {
        return jdbc.queryOne("reading a sign-out everywhere", FIND, params(username), rs -> rs.getLong(1)).orElse(0L);
    }
}
