package dev.twostep.admin;

import java.util.ArrayList;
import java.util.List;

import dev.twostep.db.Jdbc;

/** Reads every row of a short query into a list, through {@link Jdbc#queryOne} as AuditLog.recent does. */
final class Rows {
    private Rows() {
    }

    static <T> List<T> list(Jdbc jdbc, String doing, String sql, Jdbc.Binder binder, Jdbc.RowMapper<T> mapper) {
        List<T> rows = new ArrayList<>();
        jdbc.queryOne(doing, sql, binder, rs -> {
            do {
                rows.add(mapper.map(rs));
            } while (rs.next());
            return rows;
        });
        return rows;
    }
}
