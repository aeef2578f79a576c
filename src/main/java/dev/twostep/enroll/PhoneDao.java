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
            + " updated_at) VALUES (?, ?, ?, NULL, ?)";
    /** Confirms only the number the code was sent to, so a number changed meanwhile stays unconfirmed. */
    private static final String CONFIRM = "UPDATE phones SET confirmed_at = ?, updated_at = ?"
            + " WHERE username = ? AND phone_e164 = ?";

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

    /** Adds an unconfirmed phone inside the caller's transaction. */
    public void insert(Connection c, String username, String e164, Channel channel, long now) throws SQLException {
        Jdbc.update(c, INSERT, params(username, e164, channel.name(), now));
    }

    public boolean confirm(String username, String e164, long now) {
        return jdbc.update("confirming a phone", CONFIRM, params(now, now, username, e164)) == 1;
    }
}
