package dev.twostep.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import dev.twostep.admin.AuditSearch;
import dev.twostep.admin.AuditSearch.Filter;
import dev.twostep.admin.Health;
import dev.twostep.admin.UserDirectory;
import dev.twostep.audit.AuditLog.Event;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Database;
import dev.twostep.db.Jdbc;
import dev.twostep.testing.TestDatabases;

/**
 * The operators' console's queries on a full database: fills a fresh SQLite file and, when a PostgreSQL test
 * URL is set (TWOSTEP_TEST_PG_URL), a fresh PostgreSQL schema with USERS users (an account and a phone each)
 * and AUDIT audit rows (in time order over 90 days, 20 kinds of event, 5,000 client addresses, a few users and
 * addresses with many rows), then times each console query: once cold, then the median of five. Prints
 * figures, asserts none.
 *
 * <p>Run: {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.twostep.bench.ConsoleBench [-Dexec.args="USERS AUDIT [keep]"]} (docs/benchmarks.md,
 * "The operators' console"). With {@code keep} the databases stay, for EXPLAIN.
 */
public final class ConsoleBench {
    private static final long DAY = 86_400_000L;
    private static final int ADDRESSES = 5_000;
    private static final int BATCH = 10_000;
    private static final String[] FIRST = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
        "judy", "mallory", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "ursula", "victor",
        "wendy", "xavier", "yara", "zoe", "anna", "ben", "chloe", "dan", "emma", "felix"};
    private static final String[] LAST = {"smith", "jones", "brown", "taylor", "wilson", "davies", "evans", "thomas",
        "johnson", "roberts", "walker", "wright", "robinson", "thompson", "white", "hughes", "edwards", "green",
        "hall", "wood", "harris", "lewis", "martin", "jackson", "clarke", "clark", "turner", "hill", "scott", "cooper"};
    /** Twenty kinds of event and how often each happens. */
    private static final Map<Event, Integer> WEIGHTS = Map.ofEntries(Map.entry(Event.SIGN_IN_OK, 20),
            Map.entry(Event.CODE_SENT, 18), Map.entry(Event.CODE_ACCEPTED, 17), Map.entry(Event.SIGN_OUT, 10),
            Map.entry(Event.SIGN_IN_FAILED, 8), Map.entry(Event.CODE_REJECTED, 6),
            Map.entry(Event.SIGNED_IN_REMEMBERED_DEVICE, 5), Map.entry(Event.SIGN_IN_THROTTLED, 3),
            Map.entry(Event.DEVICE_REMEMBERED, 3), Map.entry(Event.CODE_SEND_LIMITED, 2), Map.entry(Event.ENROLLED, 2),
            Map.entry(Event.CODE_SEND_FAILED, 1), Map.entry(Event.LOCKOUT, 1), Map.entry(Event.PHONE_CHANGED, 1),
            Map.entry(Event.AUTHENTICATOR_ADDED, 1), Map.entry(Event.RECOVERY_CODES_CREATED, 1),
            Map.entry(Event.RECOVERY_CODE_USED, 1), Map.entry(Event.STEP_UP_ASKED, 1),
            Map.entry(Event.PASSWORD_CHANGED, 1), Map.entry(Event.SIGNED_OUT_EVERYWHERE, 1));

    private ConsoleBench() {
    }

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int audit = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        boolean keep = args.length > 2 && "keep".equals(args[2]);
        System.out.printf(Locale.ROOT, "ConsoleBench: %,d users, %,d audit rows, Java %s, %d cores%n", users, audit,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        for (String kind : TestDatabases.kinds().toList()) {
            Path dir = Files.createTempDirectory("twostep-console-bench");
            Map<String, String> settings = new java.util.HashMap<>(TestDatabases.settings(kind, dir, Map.of()));
            if (TestDatabases.POSTGRESQL.equals(kind)) {
                // The driver sends a batch of inserts as multi-row statements.
                settings.put("twostep.db.url", settings.get("twostep.db.url") + "&reWriteBatchedInserts=true");
            }
            TwostepConfig config = TwostepConfig.from(new Settings(settings::get, Map.of()));
            try (Database db = Database.open(config, "/bench")) {
                run(kind, new Jdbc(db.dataSource()), config, users, audit);
            } finally {
                if (keep) {
                    System.out.println("kept: " + settings.get("twostep.db.url"));
                } else {
                    TestDatabases.drop(settings);
                    try (var files = Files.walk(dir)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    private static void run(String kind, Jdbc jdbc, TwostepConfig config, int users, int audit) {
        long now = System.currentTimeMillis();
        String version = jdbc.queryOne("version", TestDatabases.SQLITE.equals(kind) ? "SELECT sqlite_version()"
                : "SELECT version()", Jdbc.params(), rs -> rs.getString(1)).orElse("?");
        System.out.printf(Locale.ROOT, "%n== %s (%s)%n", kind, version.length() > 40 ? version.substring(0, 40) : version);
        String[] names = names(users);
        long t0 = System.nanoTime();
        fill(jdbc, names, audit, now, TestDatabases.SQLITE.equals(kind));
        System.out.printf(Locale.ROOT, "loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (TestDatabases.POSTGRESQL.equals(kind)) {
            // What autovacuum would have done by then: statistics, and the visibility map index-only scans need.
            t0 = System.nanoTime();
            jdbc.update("vacuuming", "VACUUM ANALYZE", Jdbc.params());
            System.out.printf(Locale.ROOT, "VACUUM ANALYZE in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        String[] sorted = names.clone();
        Arrays.sort(sorted);
        UserDirectory directory = new UserDirectory(jdbc);
        AuditSearch search = new AuditSearch(jdbc);
        Health health = new Health(jdbc, Clock.systemUTC());
        String heavy = names[0];
        String typical = names[users / 2];
        String busyAddress = address(0);
        String quietAddress = address(ADDRESSES - 1);

        time("users: prefix \"grace.\" first page of 50", () -> directory.find("grace.", null, 50).size());
        time("users: prefix \"zoe.cooper9\" first page", () -> directory.find("zoe.cooper9", null, 50).size());
        time("users: prefix \"nobody\" (no match)", () -> directory.find("nobody", null, 50).size());
        String deep = sorted[sorted.length * 9 / 10];
        time("users: all, page after name #" + sorted.length * 9 / 10, () -> directory.find("", deep, 50).size());
        time("users: exists", () -> directory.exists(typical) ? 1 : 0);

        Filter heavyUser = new Filter(null, null, Set.of(), heavy, null);
        time("audit: heavy user's trail, first page of 50", () -> search.page(heavyUser, null, 50).size());
        AuditSearch.Cursor heavyDeep = nthPageCursor(search, heavyUser, 20);
        time("audit: heavy user's trail, page 21", () -> search.page(heavyUser, heavyDeep, 50).size());
        time("audit: typical user's trail, first page",
                () -> search.page(new Filter(null, null, Set.of(), typical, null), null, 50).size());
        time("audit: all users, newest page", () -> search.page(Filter.all(), null, 50).size());
        Filter window = new Filter(now - 30 * DAY, now - 20 * DAY, EnumSet.of(Event.CODE_SEND_FAILED, Event.LOCKOUT),
                null, null);
        time("audit: 10 days 20-30 days ago, 2 rare kinds", () -> search.page(window, null, 50).size());
        Filter common = new Filter(now - 30 * DAY, now - 20 * DAY, EnumSet.of(Event.SIGN_IN_OK), null, null);
        time("audit: 10 days 20-30 days ago, SIGN_IN_OK", () -> search.page(common, null, 50).size());
        AuditSearch.Cursor commonDeep = nthPageCursor(search, common, 20);
        time("audit: SIGN_IN_OK, page 21 of that", () -> search.page(common, commonDeep, 50).size());
        time("audit: busiest address, first page",
                () -> search.page(new Filter(null, null, Set.of(), null, busyAddress), null, 50).size());
        time("audit: quiet address, first page",
                () -> search.page(new Filter(null, null, Set.of(), null, quietAddress), null, 50).size());
        time("audit: address + 2 kinds + 60 days", () -> search.page(new Filter(now - 60 * DAY, null,
                EnumSet.of(Event.SIGN_IN_FAILED, Event.SIGN_IN_THROTTLED), null, busyAddress), null, 50).size());
        time("audit: each() 10,000 rows, all", () -> search.each(Filter.all(), 10_000, row -> { }));
        time("audit: each() 10,000 rows, SIGN_IN_FAILED 90 days", () -> search.each(new Filter(now - 90 * DAY, null,
                EnumSet.of(Event.SIGN_IN_FAILED), null, null), 10_000, row -> { }));
        time("health: snapshot", () -> health.snapshot(config).failuresByCode().size());
    }

    private static AuditSearch.Cursor nthPageCursor(AuditSearch search, Filter filter, int pages) {
        AuditSearch.Cursor cursor = null;
        for (int i = 0; i < pages; i++) {
            List<AuditSearch.Row> page = search.page(filter, cursor, 50);
            if (page.isEmpty()) {
                break;
            }
            cursor = page.get(page.size() - 1).cursor();
        }
        return cursor;
    }

    /** Runs the query once cold and five times more; prints the cold time, the median and the rows. */
    private static void time(String what, Supplier<Integer> query) {
        long start = System.nanoTime();
        int rows = query.get();
        double cold = (System.nanoTime() - start) / 1e6;
        double[] warm = new double[5];
        for (int i = 0; i < warm.length; i++) {
            start = System.nanoTime();
            query.get();
            warm[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(warm);
        System.out.printf(Locale.ROOT, "%-52s cold %8.2f ms   median %8.2f ms   rows %6d%n", what, cold, warm[2], rows);
    }

    private static String[] names(int users) {
        String[] names = new String[users];
        for (int i = 0; i < users; i++) {
            names[i] = FIRST[i % FIRST.length] + "." + LAST[(i / FIRST.length) % LAST.length] + i;
        }
        return names;
    }

    private static String address(int i) {
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }

    /**
     * Accounts and phones, then the audit rows, BATCH rows to a transaction. On SQLite each load transaction
     * has a cache large enough for the indexes (then the default again), as a bulk load would be run.
     */
    private static void fill(Jdbc jdbc, String[] names, int audit, long now, boolean sqlite) {
        Random random = new Random(15);
        for (int from = 0; from < names.length; from += BATCH) {
            int start = from;
            int end = Math.min(names.length, from + BATCH);
            jdbc.inTransaction("loading users", c -> {
                try (PreparedStatement accounts = c.prepareStatement(
                        "INSERT INTO accounts (username, password_hash, created_at) VALUES (?, ?, ?)");
                     PreparedStatement phones = c.prepareStatement("INSERT INTO phones (username, phone_e164, channel,"
                             + " confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?)")) {
                    for (int i = start; i < end; i++) {
                        long at = now - 90 * DAY + i;
                        Jdbc.params(names[i], "$argon2id$v=19$m=7168,t=5,p=1$bench", at).bind(accounts);
                        accounts.addBatch();
                        Jdbc.params(names[i], String.format(Locale.ROOT, "+1415%07d", i), "SMS", at, at).bind(phones);
                        phones.addBatch();
                    }
                    accounts.executeBatch();
                    phones.executeBatch();
                }
                return null;
            });
        }
        List<Event> kinds = new ArrayList<>();
        WEIGHTS.forEach((event, weight) -> {
            for (int i = 0; i < weight; i++) {
                kinds.add(event);
            }
        });
        kinds.sort(null);
        String[] agents = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "Mozilla/5.0 (Macintosh) Safari/605.1.15",
            "Mozilla/5.0 (Windows NT 10.0) Chrome/139.0", "Mozilla/5.0 (iPhone) Mobile Safari/604.1"};
        String[] codes = {"21211", "21408", "21610", "21614", "30003", "30005", null};
        for (int from = 0; from < audit; from += BATCH) {
            int first = from;
            int count = Math.min(BATCH, audit - from);
            jdbc.inTransaction("loading the audit trail", c -> {
                cache(c, sqlite, -262_144);
                insertAudit(c, random, first, count, audit, names, kinds, agents, codes, now);
                cache(c, sqlite, -2000);
                return null;
            });
        }
    }

    /** SQLite's page cache of this connection, in KiB when negative (-2000 is the default). */
    private static void cache(Connection c, boolean sqlite, int size) throws java.sql.SQLException {
        if (sqlite) {
            try (var s = c.createStatement()) {
                s.execute("PRAGMA cache_size = " + size);
            }
        }
    }

    /** Rows first to first + count of total, in time order over the 90 days, as a server writes them. */
    private static void insertAudit(Connection c, Random random, int first, int count, int total, String[] names,
                                    List<Event> kinds, String[] agents, String[] codes, long now)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events (id, at, username, event, detail,"
                + " client_ip, user_agent, repeats) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                Event event = kinds.get(random.nextInt(kinds.size()));
                double u = random.nextDouble();
                double a = random.nextDouble();
                // Squared: the first users and addresses get far more rows than the rest, as busy ones do.
                String user = random.nextInt(50) == 0 ? null : names[(int) (names.length * u * u)];
                String detail = switch (event) {
                    case CODE_SEND_FAILED -> "sms invalid_number " + codes[random.nextInt(codes.length)];
                    case CODE_SENT -> "sms to +1415•••" + random.nextInt(10_000);
                    case SIGN_IN_THROTTLED, CODE_SEND_LIMITED -> "sends";
                    default -> null;
                };
                Jdbc.params(random.nextLong() & Long.MAX_VALUE, now - 90 * DAY + (long) ((first + i + random.nextDouble()) * 90 * DAY / total), user,
                        event.name(), detail == null ? null : detail.replace(" null", ""),
                        address((int) (ADDRESSES * a * a)), agents[random.nextInt(agents.length)],
                        event == Event.SIGN_IN_THROTTLED ? 1 + random.nextInt(20) : 1).bind(ps);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
