package dev.twostep.admin;

import static dev.twostep.db.Jdbc.params;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

import dev.twostep.db.Jdbc;

/**
 * The users an operator can look up: every name that has an account, a phone, an authenticator app,
 * recovery codes or a remembered device. Each of those tables has an index that begins with the user name,
 * so a prefix search reads each index from the prefix on, a page at a time, and merges them.
 *
 * <p>The prefix is matched literally and case-sensitively ({@code %} and {@code _} are ordinary
 * characters): the exact test is {@code substr(username, 1, n) = prefix}, which means the same on SQLite and
 * PostgreSQL under any collation. The index range {@code username >= prefix AND username < next(prefix)} is
 * added only when the database compares text in code point order (SQLite always; PostgreSQL with the
 * {@code C} or {@code C.UTF-8} collation), where it is exact too. Under a linguistic collation (such as
 * {@code en_US.UTF-8}) that range could leave out names ({@code john.smith} sorts after {@code john/}
 * there), so the search walks the index in name order from {@code after} and filters, which is correct but
 * reads up to the whole index when few names match.
 */
public final class UserDirectory {
    /** The tables whose names make a user; each has an index that begins with username. */
    private static final List<String> TABLES = List.of("accounts", "phones", "totp_factors", "recovery_codes",
            "remembered_devices");
    /** Of those, the ones with a row per user (username is the key): no DISTINCT, which PostgreSQL would sort for. */
    private static final List<String> ONE_ROW_PER_USER = List.of("accounts", "phones");
    /** Finds a row when string literals compare in code point order, as SQLite's BINARY and PostgreSQL's C do. */
    private static final String CODE_POINT_ORDER = "SELECT 1 WHERE 'B' < 'a' AND 'Z' < '_' AND '_' < 'a'"
            + " AND 'a-z' < 'a.' AND 'f' < '\u00e9'";
    private static final String EXISTS;

    static {
        StringJoiner any = new StringJoiner(" OR ", "SELECT 1 WHERE ", "");
        for (String table : TABLES) {
            any.add("EXISTS (SELECT 1 FROM " + table + " WHERE username = ?)");
        }
        any.add("EXISTS (SELECT 1 FROM audit_events WHERE username = ?)");
        EXISTS = any.toString();
    }

    private final Jdbc jdbc;
    /** Whether the database compares text in code point order; asked once, on the first search. */
    private volatile Boolean codePointOrder;

    public UserDirectory(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * User names starting with {@code prefix} ("" or null: all; case-sensitive and literal), in the database's
     * name order, strictly after {@code after} (null: from the start), at most {@code limit}. A user is any
     * name in accounts, phones, totp_factors, recovery_codes or remembered_devices, each listed once. The next
     * page starts after the last name of this one.
     */
    public List<String> find(String prefix, String after, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        String p = prefix == null ? "" : prefix;
        List<Object> values = new ArrayList<>();
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "").setEmptyValue("");
        if (codePointOrder()) {
            // One lower bound, the tighter of the two: SQLite would use only one of two for the index range.
            if (after != null && compareCodePoints(after, p) >= 0) {
                where.add("username > ?");
                values.add(after);
            } else {
                where.add("username >= ?");
                values.add(p);
            }
            String upper = next(p);
            if (upper != null) {
                where.add("username < ?");
                values.add(upper);
            }
        } else if (after != null) {
            where.add("username > ?");
            values.add(after);
        }
        if (!p.isEmpty()) {
            where.add("substr(username, 1, ?) = ?");
            values.add(p.codePointCount(0, p.length()));
            values.add(p);
        }
        // Each table gives at most limit names of its own, so each reads one short index range.
        StringJoiner union = new StringJoiner(" UNION ", "SELECT username FROM (", ") u ORDER BY username LIMIT ?");
        List<Object> bound = new ArrayList<>();
        for (String table : TABLES) {
            union.add("SELECT username FROM (SELECT " + (ONE_ROW_PER_USER.contains(table) ? "" : "DISTINCT ")
                    + "username FROM " + table + where
                    + " ORDER BY username LIMIT ?) " + table);
            bound.addAll(values);
            bound.add(limit);
        }
        bound.add(limit);
        return Rows.list(jdbc, "searching users", union.toString(), params(bound.toArray()), rs -> rs.getString(1));
    }

    /** True when that name is a user as {@link #find} counts them, or has rows in the audit trail. */
    public boolean exists(String username) {
        if (username == null) {
            return false;
        }
        Object[] names = new Object[TABLES.size() + 1];
        Arrays.fill(names, username);
        return jdbc.queryOne("looking up a user", EXISTS, params(names), rs -> Boolean.TRUE).orElse(false);
    }

    private boolean codePointOrder() {
        Boolean known = codePointOrder;
        if (known == null) {
            known = jdbc.queryOne("reading the database's text order", CODE_POINT_ORDER, params(), rs -> Boolean.TRUE)
                    .orElse(false);
            codePointOrder = known;
        }
        return known;
    }

    /**
     * The least string greater than every string that starts with {@code prefix}, in code point order: the
     * prefix with its last code point raised by one (dropping trailing U+10FFFF); null when there is none
     * (an empty prefix).
     */
    static String next(String prefix) {
        int[] points = prefix.codePoints().toArray();
        for (int i = points.length - 1; i >= 0; i--) {
            if (points[i] < Character.MAX_CODE_POINT) {
                int raised = points[i] + 1;
                if (raised >= Character.MIN_SURROGATE && raised <= Character.MAX_SURROGATE) {
                    raised = Character.MAX_SURROGATE + 1;
                }
                return new String(points, 0, i) + Character.toString(raised);
            }
        }
        return null;
    }

    private static int compareCodePoints(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }
}
