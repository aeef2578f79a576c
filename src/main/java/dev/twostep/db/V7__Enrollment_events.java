package dev.twostep.db;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema version 7: gives every phone confirmed before this version an ENROLLED event in the audit trail.
 * Twostep refuses a new enrollment at sign-in to a user whose trail shows a confirmed phone (the phone row
 * may vanish in a restore or a move to another database); phones confirmed before such events were kept for
 * good would otherwise not be covered. A Java migration because the event ids are random 63-bit numbers,
 * which SQL cannot make alike on SQLite and PostgreSQL.
 */
@SuppressWarnings("checkstyle:TypeName")
public final class V7__Enrollment_events extends BaseJavaMigration {
    private static final String CONFIRMED_WITHOUT_EVENT = "SELECT username, phone_e164, confirmed_at FROM phones"
            + " WHERE confirmed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a"
            + " WHERE a.username = phones.username AND a.event IN ('ENROLLED', 'PHONE_CHANGED'))";
    private static final String INSERT = "INSERT INTO audit_events (id, at, username, event, detail, client_ip,"
            + " user_agent) VALUES (?, ?, ?, 'ENROLLED', ?, NULL, NULL)";

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        List<Object[]> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(CONFIRMED_WITHOUT_EVENT)) {
            while (rs.next()) {
                rows.add(new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3)});
            }
        }
        SecureRandom random = new SecureRandom();
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
            for (Object[] row : rows) {
                String number = (String) row[1];
                insert.setLong(1, random.nextLong() & Long.MAX_VALUE);
                insert.setLong(2, (Long) row[2]);
                insert.setString(3, (String) row[0]);
                insert.setString(4, "phone ending in " + number.substring(Math.max(0, number.length() - 2))
                        + " (recorded at upgrade)");
                insert.executeUpdate();
            }
        }
    }
}
