package dev.twostep.admin;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.admin.AuditSearch.Cursor;
import dev.twostep.admin.AuditSearch.Filter;
import dev.twostep.admin.AuditSearch.Row;
import dev.twostep.audit.AuditLog;
import dev.twostep.audit.AuditLog.Event;
import dev.twostep.db.Jdbc;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The console's search of the audit trail, on a real SQLite file and, when configured, PostgreSQL. */
class AuditSearchTest {
    private static final long T = 1_767_225_600_000L;
    private static final List<String> USERS = List.of("alice", "bob", "carol");
    private static final List<String> ADDRESSES = List.of("192.0.2.1", "192.0.2.2", "2001:db8::1");
    private static final List<Event> EVENTS = List.of(Event.SIGN_IN_OK, Event.SIGN_IN_FAILED, Event.CODE_SENT,
            Event.LOCKOUT);

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private Jdbc jdbc(String kind) {
        return new Jdbc(databases.open(kind).database().dataSource());
    }

    /** A row as AuditLog writes them, with a time of the test's choosing (ties included). */
    private static void insert(Jdbc jdbc, long id, long at, String user, String event, String address) {
        jdbc.update("test", "INSERT INTO audit_events (id, at, username, event, detail, client_ip, user_agent)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)", params(id, at, user, event, "detail " + id, address, "agent"));
    }

    /**
     * 300 rows over 60 ms, so most times hold several rows, by three users (and none), from three addresses
     * (and none), of four kinds; ids are random, as AuditLog's are.
     */
    private static List<Row> fill(Jdbc jdbc) {
        Random random = new Random(15);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long id = random.nextLong() & Long.MAX_VALUE;
            long at = T + random.nextInt(60);
            String user = i % 10 == 9 ? null : USERS.get(random.nextInt(USERS.size()));
            Event event = EVENTS.get(random.nextInt(EVENTS.size()));
            String address = i % 13 == 12 ? null : ADDRESSES.get(random.nextInt(ADDRESSES.size()));
            insert(jdbc, id, at, user, event.name(), address);
            rows.add(new Row(id, at, user, event, "detail " + id, address, "agent", 1));
        }
        rows.sort(Comparator.comparingLong(Row::at).thenComparingLong(Row::id).reversed());
        return rows;
    }

    private static List<Row> allPages(AuditSearch search, Filter filter, int size) {
        List<Row> all = new ArrayList<>();
        Cursor before = null;
        for (int pages = 0; pages < 1000; pages++) {
            List<Row> page = search.page(filter, before, size);
            assertTrue(page.size() <= size);
            all.addAll(page);
            if (page.size() < size) {
                return all;
            }
            // Through the token, as the console's "older" link carries it.
            before = Cursor.parse(page.get(page.size() - 1).cursor().token()).orElseThrow();
        }
        throw new AssertionError("the pages never end");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void pagesFollowEachOtherNewestFirstWithoutGapsOrRepeats(String kind) {
        Jdbc jdbc = jdbc(kind);
        List<Row> rows = fill(jdbc);
        AuditSearch search = new AuditSearch(jdbc);

        for (int size : new int[] {1, 7, 50, 300, 1000}) {
            assertEquals(rows, allPages(search, Filter.all(), size), "pages of " + size);
        }
        assertEquals(rows.subList(0, 10), search.page(Filter.all(), null, 10));
        assertEquals(rows.subList(11, 21), search.page(Filter.all(), rows.get(10).cursor(), 10));
        assertEquals(List.of(), search.page(Filter.all(), rows.get(rows.size() - 1).cursor(), 10));
        assertEquals(List.of(), search.page(Filter.all(), null, 0));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void filtersCombine(String kind) {
        Jdbc jdbc = jdbc(kind);
        List<Row> rows = fill(jdbc);
        AuditSearch search = new AuditSearch(jdbc);
        List<Filter> filters = new ArrayList<>();
        for (Long from : new Long[] {null, T + 10}) {
            for (Long to : new Long[] {null, T + 45}) {
                for (Set<Event> events : List.of(Set.<Event>of(), EnumSet.of(Event.LOCKOUT),
                        EnumSet.of(Event.SIGN_IN_OK, Event.CODE_SENT))) {
                    for (String user : new String[] {null, "bob", "nobody"}) {
                        for (String address : new String[] {null, "2001:db8::1"}) {
                            filters.add(new Filter(from, to, events, user, address));
                        }
                    }
                }
            }
        }
        filters.add(new Filter(T + 20, T + 20, Set.of(), null, null));
        filters.add(new Filter(T + 20, T + 21, null, null, null));
        for (Filter filter : filters) {
            Predicate<Row> matches = row -> (filter.from() == null || row.at() >= filter.from())
                    && (filter.to() == null || row.at() < filter.to())
                    && (filter.events().isEmpty() || filter.events().contains(row.event()))
                    && (filter.username() == null || filter.username().equals(row.username()))
                    && (filter.address() == null || filter.address().equals(row.address()));
            List<Row> expected = rows.stream().filter(matches).toList();
            assertEquals(expected, allPages(search, filter, 9), filter.toString());
            List<Row> each = new ArrayList<>();
            assertEquals(expected.size(), search.each(filter, 10_000, each::add));
            assertEquals(expected, each, filter.toString());
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aCursorInsideTheTimeRangeAndBeyondItBothWork(String kind) {
        Jdbc jdbc = jdbc(kind);
        List<Row> rows = fill(jdbc);
        AuditSearch search = new AuditSearch(jdbc);
        Filter filter = new Filter(T + 10, T + 45, Set.of(), null, null);
        List<Row> expected = rows.stream().filter(r -> r.at() >= T + 10 && r.at() < T + 45).toList();

        assertEquals(expected.subList(0, 5), search.page(filter, new Cursor(T + 1000, 0), 5), "a cursor after 'to'");
        assertEquals(expected.subList(0, 5), search.page(filter, new Cursor(T + 45, 0), 5), "a cursor at 'to'");
        Row third = expected.get(2);
        assertEquals(expected.subList(3, 8), search.page(filter, third.cursor(), 5));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void eachHandsOverEveryRowInChunksUpToTheMaximum(String kind) {
        Jdbc jdbc = jdbc(kind);
        int total = AuditSearch.CHUNK * 2 + 345;
        List<long[]> inserted = new ArrayList<>();
        jdbc.inTransaction("test", c -> {
            try (var ps = c.prepareStatement("INSERT INTO audit_events (id, at, username, event, client_ip)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                Random random = new Random(15);
                for (int i = 0; i < total; i++) {
                    long id = random.nextLong() & Long.MAX_VALUE;
                    // Ties across the chunk boundaries: ten rows a millisecond.
                    long at = T + i / 10;
                    params(id, at, "user" + i % 50, Event.SIGN_IN_OK.name(), "192.0.2.1").bind(ps);
                    ps.addBatch();
                    inserted.add(new long[] {at, id});
                }
                ps.executeBatch();
            }
            return null;
        });
        inserted.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]).reversed());
        AuditSearch search = new AuditSearch(jdbc);

        List<long[]> got = new ArrayList<>();
        assertEquals(total, search.each(Filter.all(), 100_000, row -> got.add(new long[] {row.at(), row.id()})));
        assertEquals(total, got.size());
        for (int i = 0; i < total; i++) {
            assertEquals(inserted.get(i)[0], got.get(i)[0], "at of row " + i);
            assertEquals(inserted.get(i)[1], got.get(i)[1], "id of row " + i);
        }
        int[] counted = new int[1];
        assertEquals(AuditSearch.CHUNK + 1, search.each(Filter.all(), AuditSearch.CHUNK + 1, row -> counted[0]++));
        assertEquals(AuditSearch.CHUNK + 1, counted[0]);
        assertEquals(0, search.each(new Filter(null, null, Set.of(), "nobody", null), 10, row -> counted[0]++));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void eventsThisVersionDoesNotKnowAreLeftOutWithoutShorteningPages(String kind) {
        Jdbc jdbc = jdbc(kind);
        for (int i = 0; i < 20; i++) {
            insert(jdbc, 100 + i, T + i, "alice", i % 2 == 0 ? "SIGN_IN_OK" : "FROM_A_NEWER_VERSION", null);
        }
        AuditSearch search = new AuditSearch(jdbc);

        List<Row> page = search.page(Filter.all(), null, 4);
        assertEquals(List.of(118L, 116L, 114L, 112L), page.stream().map(Row::id).toList());
        assertEquals(List.of(110L, 108L, 106L, 104L), search.page(Filter.all(), page.get(3).cursor(), 4).stream()
                .map(Row::id).toList());
        assertEquals(10, allPages(search, Filter.all(), 3).size());
        assertEquals(10, search.each(Filter.all(), 100, row -> { }));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void rowsWrittenByTheAuditLogComeBackWhole(String kind) {
        Jdbc jdbc = jdbc(kind);
        MutableClock clock = new MutableClock();
        AuditLog audit = new AuditLog(jdbc, clock);
        AuditLog.Client client = new AuditLog.Client("198.51.100.7", "Firefox");
        audit.record(Event.SIGN_IN_OK, "alice", client, null);
        clock.advance(Duration.ofSeconds(1));
        audit.record(Event.SIGN_IN_THROTTLED, "alice", client, "password");
        audit.record(Event.SIGN_IN_THROTTLED, "alice", client, "password");
        audit.record(Event.SIGN_IN_THROTTLED, "alice", client, "password");
        AuditSearch search = new AuditSearch(jdbc);

        List<Row> rows = search.page(new Filter(null, null, Set.of(), "alice", "198.51.100.7"), null, 10);
        assertEquals(2, rows.size());
        Row throttled = rows.get(0);
        assertEquals(Event.SIGN_IN_THROTTLED, throttled.event());
        assertEquals("password", throttled.detail());
        assertEquals("Firefox", throttled.userAgent());
        assertEquals(3, throttled.repeats(), "merged repeats");
        assertEquals(Event.SIGN_IN_OK, rows.get(1).event());
        assertEquals(1, rows.get(1).repeats());
        assertTrue(rows.get(1).at() < throttled.at());
    }

    @Test
    void aCursorSurvivesItsTokenAndAnythingElseIsRefused() {
        Cursor cursor = new Cursor(T, Long.MAX_VALUE);
        assertEquals(Optional.of(cursor), Cursor.parse(cursor.token()));
        assertEquals(Optional.of(new Cursor(0, 0)), Cursor.parse("0.0"));
        assertEquals(Optional.of(new Cursor(-5, 7)), Cursor.parse(new Cursor(-5, 7).token()));
        assertTrue(cursor.token().matches("[0-9.\\-]+"), "URL-safe");
        for (String garbage : new String[] {null, "", ".", "1", "1.", ".1", "1.2.3", "a.b", "1.-2", " 1.2", "1.2 ",
            "1,2", "0x1.2", "+1.2", "99999999999999999999.1", "1.9223372036854775808", "1.2\n", "１.２", "1.2%00",
            "%31.2", "1_000.2"}) {
            assertEquals(Optional.empty(), Cursor.parse(garbage), String.valueOf(garbage));
        }
    }
}
