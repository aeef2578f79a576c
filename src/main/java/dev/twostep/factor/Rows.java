package dev.twostep.factor;

import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.twostep.db.Jdbc;

/** What the factor DAOs share: random row ids, nullable columns, lists, and the lengths the columns take. */
final class Rows {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Rows() {
    }

    /**
     * A new row id: a random positive 63-bit number, as rate_events and audit_events use, so no sequence is
     * needed on either database. Two equal ids among a million rows are one chance in about 2 x 10^7, and an
     * insert that hits one fails on the primary key rather than overwriting a row.
     */
    static long newId() {
        return RANDOM.nextLong() & Long.MAX_VALUE;
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** Every row of a query, through {@link Jdbc#queryOne}, which hands the mapper the first row. */
    static <T> List<T> list(Jdbc jdbc, String doing, String sql, Jdbc.Binder binder, Jdbc.RowMapper<T> mapper) {
        Optional<List<T>> rows = jdbc.queryOne(doing, sql, binder, rs -> {
            List<T> out = new ArrayList<>();
            do {
                out.add(mapper.map(rs));
            } while (rs.next());
            return out;
        });
        return rows.orElse(List.of());
    }

    /**
     * The text cut to at most {@code max} characters (code points, as PostgreSQL counts VARCHAR(n); SQLite
     * does not check, so the DAO must), never splitting a surrogate pair.
     */
    static String truncate(String text, int max) {
        if (text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, max));
    }

    static int codePoints(String text) {
        return text.codePointCount(0, text.length());
    }
}
