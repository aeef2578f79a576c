package dev.twostep.enroll;

import static dev.twostep.db.Jdbc.params;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;

/** The phones table: which number and channel a user name gets its codes on. */
public final class PhoneDao {
    private static final String FIND = "SELECT username, phone_e164, channel, confirmed_at FROM phones"
            + " WHERE username = ?";
    private static final String INSERT = "INSERT INTO phones (username, phone_e164, channel, confirmed_at,"
            + " updated_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT (username) DO NOTHING";
    /** Confirms only the number the code was sent to, so a number changed meanwhile stays unconfirmed. */
    private static final String CONFIRM = "UPDATE phones SET confirmed_at = ?, updated_at = ?"
            + " WHERE username = ? AND phone_e164 = ?";

    /** Sets a new, unconfirmed number, unless a confirmed one exists: that one only changes with a code. */
    private static final String SET_UNCONFIRMED = "INSERT INTO phones (username, phone_e164, channel, confirmed_at,"
            + " updated_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT (username) DO UPDATE SET"
            + " phone_e164 = excluded.phone_e164, channel = excluded.channel, updated_at = excluded.updated_at"
            + " WHERE phones.confirmed_at IS NULL";

    private static final String DELETE = "DELETE FROM phones WHERE username = ? AND phone_e164 = ?";

    private final Jdbc jdbc;

    public PhoneDao(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Phone> find(String username) {
        return jdbc.queryOne("reading a phone", FIND, params(username), rs -> {
            long confirmedAt = rs.getLong("confirmed_at");
            Long confirmed = rs.wasNull() ? null : confirmedAt;
            return new Phone(rs.getString("username"), rs.getString("phone_e164"),
                    Channel.valueOf(rs.getString("channel")), confirmed);
        });
    }

    /**
     * Adds an unconfirmed phone inside the caller's transaction.
     *
     * @return false when the user name already has a phone (left as it was)
     */
    public boolean insertIfAbsent(Connection c, String username, String e164, Channel channel, long now)
            throws SQLException {
        return Jdbc.update(c, INSERT, params(username, e164, channel.name(), now)) == 1;
    }

    /**
     * Whether a guarded app sharing this database already knows this user name: it has a phone or an
     * authenticator app, inside the caller's transaction.
     */
    public boolean known(Connection c, String username) throws SQLException {
        return Jdbc.exists(c, "SELECT 1 FROM phones WHERE username = ? UNION ALL"
                + " SELECT 1 FROM totp_factors WHERE username = ?", params(username, username));
    }

    /**
     * Enrolls a number for a user who has none confirmed yet.
     *
     * @return false when the user already has a confirmed phone (which is left as it was)
     */
    public boolean setUnconfirmed(String username, String e164, Channel channel, long now) {
        return jdbc.update("saving a phone", SET_UNCONFIRMED, params(username, e164, channel.name(), now)) == 1;
    }

    /** Replaces the phone with a new, already confirmed one (after a code to the new number). */
    public void replaceConfirmed(String username, String e164, Channel channel, long now) {
        jdbc.update("changing a phone", "UPDATE phones SET phone_e164 = ?, channel = ?, confirmed_at = ?, updated_at = ?"
                + " WHERE username = ?", params(e164, channel.name(), now, now, username));
    }

    /**
     * Removes the user's phone, only if it is still the number the caller showed (a number changed meanwhile
     * stays).
     *
     * @return false when the user has no phone with that number
     */
    public boolean delete(String username, String e164) {
        return jdbc.update("removing a phone", DELETE, params(username, e164)) == 1;
    }

    public boolean confirm(String username, String e164, long now) {
        return jdbc.update("confirming a phone", CONFIRM, params(now, now, username, e164)) == 1;
    }
}
