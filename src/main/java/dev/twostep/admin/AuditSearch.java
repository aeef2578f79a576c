package dev.twostep.admin;

import static dev.twostep.db.Jdbc.params;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.twostep.audit.AuditLog;
import dev.twostep.db.Jdbc;

/**
 * The audit trail as the operators' console reads it: across users, by time, kind of event, user and client
 * address, newest first, a page at a time. Pages are cut by keyset ({@code at}, {@code id}), never by OFFSET,
 * so a page deep in the trail costs what the first does, and rows written meanwhile neither shift nor repeat
 * the pages after them. V11 gives each way in an index that ends in (at, id).
 *
 * <p>Rows whose event this version does not know (written by a newer one) are left out.
 */
public final class AuditSearch {
    private static final String COLUMNS = "SELECT id, at, username, event, detail, client_ip, user_agent, repeats"
            + " FROM audit_events";
    /** Rows read per statement by {@link #each}: no statement holds a connection while the sink works. */
    static final int CHUNK = 1000;
    private static final Map<String, AuditLog.Event> EVENTS = new HashMap<>();

    static {
        for (AuditLog.Event e : AuditLog.Event.values()) {
            EVENTS.put(e.name(), e);
        }
    }

    /**
     * What to find. {@code from} inclusive, {@code to} exclusive, epoch milliseconds, null for open; no
     * events (empty or null) for all; {@code username} and {@code address} (the client address) match exactly,
     * null for any.
     */
    public record Filter(Long from, Long to, Set<AuditLog.Event> events, String username, String address) {
        public Filter {
            events = events == null ? Set.of() : Set.copyOf(events);
        }

        /** Everything. */
        public static Filter all() {
            return new Filter(null, null, Set.of(), null, null);
        }
    }

    /** One row of the trail; {@code repeats} counts throttled events merged into it (AuditLog.MERGED). */
    public record Row(long id, long at, String username, AuditLog.Event event, String detail, String address,
                      String userAgent, int repeats) {
        /** Where the page after this row starts. */
        public Cursor cursor() {
            return new Cursor(at, id);
        }
    }

    /** A place in the trail: the rows strictly older than (at, id) come after it. */
    public record Cursor(long at, long id) {
        private static final Pattern TOKEN = Pattern.compile("(-?[0-9]{1,19})\\.([0-9]{1,19})");

        /** Opaque and URL-safe (digits, '.' and '-'): "at.id". */
        public String token() {
            return at + "." + id;
        }

        /** The cursor of a {@link #token()}; empty for anything else, null included. */
        public static Optional<Cursor> parse(String token) {
            if (token == null) {
                return Optional.empty();
            }
            Matcher m = TOKEN.matcher(token);
            if (!m.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Cursor(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        }
    }

    private final Jdbc jdbc;

    public AuditSearch(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Matching rows newest first (at DESC, id DESC), strictly older than {@code before} (null: from the
     * newest), at most {@code limit}. The next page is {@code page(filter, last.cursor(), limit)}; a page
     * shorter than {@code limit} is the last.
     */
    public List<Row> page(Filter filter, Cursor before, int limit) {
        List<Row> rows = new ArrayList<>();
        read(filter, before, limit, rows::add);
        return rows;
    }

    /**
     * Every matching row newest first, at most {@code max}, handed to {@code sink} one at a time (for an
     * export): read {@value #CHUNK} rows per statement by keyset, so neither memory nor a connection is held
     * for the whole export, and SQLite's writers are never kept waiting.
     *
     * @return how many rows the sink got
     */
    public int each(Filter filter, int max, Consumer<Row> sink) {
        return read(filter, null, max, sink);
    }

    private int read(Filter filter, Cursor before, int max, Consumer<Row> sink) {
        int handed = 0;
        Cursor next = before;
        while (handed < max) {
            int want = Math.min(CHUNK, max - handed);
            List<Object> values = new ArrayList<>();
            String sql = select(filter, next, want, values);
            List<Row> chunk = Rows.list(jdbc, "searching the audit trail", sql, params(values.toArray()),
                    AuditSearch::row);
            for (Row row : chunk) {
                if (row.event() != null) {
                    sink.accept(row);
                    handed++;
                }
            }
            if (chunk.size() < want) {
                break;
            }
            next = chunk.get(chunk.size() - 1).cursor();
        }
        return handed;
    }

    private static String select(Filter filter, Cursor before, int limit, List<Object> values) {
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "").setEmptyValue("");
        if (filter.from() != null) {
            where.add("at >= ?");
            values.add(filter.from());
        }
        // One upper bound on at, the tighter: SQLite uses only one of two for the index range.
        boolean keyset = before != null && (filter.to() == null || before.at() < filter.to());
        if (filter.to() != null && !keyset) {
            where.add("at < ?");
            values.add(filter.to());
        }
        if (!filter.events().isEmpty()) {
            StringJoiner in = new StringJoiner(", ", "event IN (", ")");
            filter.events().stream().map(Enum::name).sorted().forEach(name -> {
                in.add("?");
                values.add(name);
            });
            where.add(in.toString());
        }
        if (filter.username() != null) {
            where.add("username = ?");
            values.add(filter.username());
        }
        if (filter.address() != null) {
            where.add("client_ip = ?");
            values.add(filter.address());
        }
        if (keyset) {
            // "at <= ?" bounds the index range on both databases; the OR cuts the ties at that time by id.
            // (A cursor at or after "to" needs no condition: every row before "to" is older.)
            where.add("at <= ? AND (at < ? OR id < ?)");
            values.add(before.at());
            values.add(before.at());
            values.add(before.id());
        }
        values.add(limit);
        return COLUMNS + where + " ORDER BY at DESC, id DESC LIMIT ?";
    }

    /** A row, with a null event when the name is not one of {@link AuditLog.Event} (left out by the callers). */
    private static Row row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Row(rs.getLong(1), rs.getLong(2), rs.getString(3), EVENTS.get(rs.getString(4)), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getInt(8));
    }
}
