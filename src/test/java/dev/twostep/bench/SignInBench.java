package dev.twostep.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The sign-in benchmark of docs/benchmarks.md. Runs the built WAR in a Jetty 12 distribution in its own
 * process (as README "Deploying" says, with the server's heap capped), with a Twilio stand-in in this
 * process, and prints:
 * <ul>
 * <li>start-up time to the first page and idle RSS, next to a bare Jetty "hello" (a WAR holding one
 * index.html) in the same distribution with the same JVM options;</li>
 * <li>for SQLite and PostgreSQL: the hash-bound limit (password checks per second at the stored
 * parameters, one thread per core, in a separate idle JVM), the cost of a send alone, and at each client
 * count the sign-ins per second, the server's CPU time per sign-in, the part of it spent in password
 * hashes as the server itself measures it (its PasswordHashing MBean, read over a loopback JMX agent),
 * the CPU outside the hash, the ratio to the hash-bound limit that in-server hash CPU allows, latency per
 * step and errors.</li>
 * </ul>
 * Everything goes to 127.0.0.1; each level is bounded in time and in sign-ins. Nothing is asserted: it
 * prints figures, ending with a Markdown summary for docs/benchmarks.md.
 *
 * <p>Run: {@code bash src/bench/signin.sh [options]}; {@code --help} lists the options.
 */
public final class SignInBench {
    private SignInBench() {
    }

    /** The command line, {@code --name=value} each. */
    record Options(List<Integer> levels, Duration window, Duration warmup, int users, List<String> dbs, String pgUrl,
                   String heap, int startupRuns, Duration settle, Duration hashTime, int probe, int registerThreads,
                   Duration timeout, long maxSignIns, List<String> parts, int guardRounds, Duration guardTime,
                   int guardConnections, boolean standInNoDelay, boolean jfr, Duration serverWarmup,
                   Map<String, String> serverEnv) {

        static final String HELP = String.join("\n",
                "Options (each --name=value):",
                "  --levels=2,8,32,200     concurrent clients, one level after the other",
                "  --seconds=20            measured window per level",
                "  --warmup=10             seconds per level before the window",
                "  --users=200             virtual users registered per database",
                "  --dbs=sqlite,postgres   databases, in order",
                "  --pg-url=jdbc:postgresql://127.0.0.1:5432/test?user=postgres   a schema is made in it and dropped",
                "  --heap=256m             the server's -Xmx",
                "  --startup-runs=3        start-ups of each server for the start-up comparison (0: none)",
                "  --server-warmup=20      seconds of sign-ins by 2 clients after registration, before the",
                "                          hash-bound, the send probe and the levels (the JIT's work)",
                "  --settle=5              seconds idle after the first page before reading RSS",
                "  --hash-seconds=8        length of each hash-bound measurement",
                "  --probe=40              resends in a row for the send probe",
                "  --register-threads=4    registrations in parallel",
                "  --timeout=30            seconds a request may take before it counts as an error",
                "  --max-signins=20000     sign-ins per level at most",
                "  --parts=startup,signin,guard   what to run (guard needs wrk: apt-get install wrk)",
                "  --guard-rounds=3        alternating wrk rounds per path (guard overhead on Tomcat)",
                "  --guard-seconds=8       length of a wrk round",
                "  --guard-connections=16  wrk connections",
                "  --stand-in-nodelay=true false leaves Nagle on in the Twilio stand-in (the JDK server's",
                "                          default), to show the delayed-ACK stall that causes in each send",
                "  --jfr                   record the sign-in servers with Flight Recorder (profile settings)",
                "                          into target/bench/jetty-<db>/server.jfr",
                "  --set=NAME=VALUE        an environment variable for the server (repeatable), e.g.",
                "                          --set=TWOSTEP_DB_POOL_SIZE=16",
                "  --quick                 levels 2,8, 8 s windows, 2 s warm-up, 20 users, SQLite only,",
                "                          one start-up each, 3 s hash-bound, one 3 s wrk round per path:",
                "                          a check that it all works");

        static Options parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            Map<String, String> env = new LinkedHashMap<>();
            for (String arg : String.join(" ", args).trim().split("\\s+")) {
                if (arg.isEmpty()) {
                    continue;
                }
                if (arg.equals("--help") || !arg.startsWith("--")) {
                    System.out.println(HELP);
                    System.exit(arg.equals("--help") ? 0 : 2);
                }
                String[] kv = arg.substring(2).split("=", 2);
                if (kv[0].equals("set")) {
                    String[] nv = kv[1].split("=", 2);
                    env.put(nv[0], nv[1]);
                } else {
                    a.put(kv[0], kv.length > 1 ? kv[1] : "true");
                }
            }
            boolean quick = a.containsKey("quick");
            return new Options(
                    Arrays.stream(a.getOrDefault("levels", quick ? "2,8" : "2,8,32,200").split(","))
                            .map(Integer::valueOf).toList(),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("seconds", quick ? "8" : "20"))),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("warmup", quick ? "2" : "10"))),
                    Integer.parseInt(a.getOrDefault("users", quick ? "20" : "200")),
                    List.of(a.getOrDefault("dbs", quick ? "sqlite" : "sqlite,postgres").split(",")),
                    a.getOrDefault("pg-url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
                    a.getOrDefault("heap", "256m"),
                    Integer.parseInt(a.getOrDefault("startup-runs", quick ? "1" : "3")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("settle", quick ? "2" : "5"))),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("hash-seconds", quick ? "3" : "8"))),
                    Integer.parseInt(a.getOrDefault("probe", quick ? "10" : "40")),
                    Integer.parseInt(a.getOrDefault("register-threads", "4")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout", "30"))),
                    Long.parseLong(a.getOrDefault("max-signins", "20000")),
                    List.of(a.getOrDefault("parts", "startup,signin,guard").split(",")),
                    Integer.parseInt(a.getOrDefault("guard-rounds", quick ? "1" : "3")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("guard-seconds", quick ? "3" : "8"))),
                    Integer.parseInt(a.getOrDefault("guard-connections", "16")),
                    Boolean.parseBoolean(a.getOrDefault("stand-in-nodelay", "true")),
                    a.containsKey("jfr"),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("server-warmup", quick ? "3" : "20"))),
                    env);
        }

        List<String> jvm() {
            return List.of("-Xmx" + heap);
        }
    }

    /** Start-up seconds and idle RSS (KiB) of each run. */
    record Startup(double[] helloSeconds, long[] helloRss, double[] warSeconds, long[] warRss) {
    }

    /** One database's run. */
    record DbRun(String db, int users, double registerSeconds, HashBound.Result hash, HashBound.Result inBench,
                 double[] probe,
                 double twilioMillis, List<SignInLoad.Level> levels) {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Path war = Path.of("target/twostep.war").toAbsolutePath();
        if (!Files.exists(war)) {
            throw new IllegalStateException("no " + war + ": run `mvn -DskipTests verify` first (src/bench/signin.sh does)");
        }
        Path work = Files.createDirectories(Path.of("target/bench").toAbsolutePath());
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "SignInBench %s: Java %s, %d cores, %s distribution, server -Xmx%s%n",
                LocalDate.now(), System.getProperty("java.version"), cores, ServerProcess.jettyHome().getFileName(), o.heap());
        System.out.printf(Locale.ROOT, "levels %s, %d s window after %d s warm-up, %d users, databases %s%n%n",
                o.levels(), o.window().toSeconds(), o.warmup().toSeconds(), o.users(), o.dbs());
        try (TwilioStandIn twilio = new TwilioStandIn(o.standInNoDelay())) {
            Startup startup = o.parts().contains("startup") && o.startupRuns() > 0 ? startup(o, work, war, twilio) : null;
            List<GuardOverhead.Round> guard = List.of();
            if (o.parts().contains("guard")) {
                if (GuardOverhead.wrkInstalled()) {
                    Path data = work.resolve("tomcat-guard-data");
                    ServerProcess.deleteTree(data);
                    Files.createDirectories(data);
                    guard = GuardOverhead.run(work, o.jvm(), serverEnv(o, null, data, twilio), twilio, o.guardRounds(),
                            o.guardTime(), o.guardConnections());
                } else {
                    System.out.println("Guard overhead on Tomcat skipped: wrk is not installed (apt-get install wrk)\n");
                }
            }
            List<DbRun> runs = new ArrayList<>();
            if (o.parts().contains("signin")) {
                for (String db : o.dbs()) {
                    runs.add(load(o, db, work, war, twilio, cores));
                }
            }
            summary(o, startup, guard, runs, cores);
        }
    }

    // ---- start-up and idle memory

    private static Startup startup(Options o, Path work, Path war, TwilioStandIn twilio) throws Exception {
        System.out.printf(Locale.ROOT, "Start-up to the first page, and RSS after %d s idle (%d runs each, alternating)%n",
                o.settle().toSeconds(), o.startupRuns());
        Path hello = work.resolve("hello.war");
        helloWar(hello);
        Path helloBase = work.resolve("jetty-hello");
        ServerProcess.makeJettyBase(helloBase, hello, "hello.war");
        Path warBase = work.resolve("jetty-startup");
        ServerProcess.makeJettyBase(warBase, war, "twostep.war");
        int n = o.startupRuns();
        Startup s = new Startup(new double[n], new long[n], new double[n], new long[n]);
        for (int run = 0; run < n; run++) {
            try (ServerProcess server = ServerProcess.startJetty(helloBase, o.jvm(), Map.of())) {
                s.helloSeconds()[run] = server.awaitOk("/hello/", Duration.ofSeconds(120)).toNanos() / 1e9;
                Thread.sleep(o.settle().toMillis());
                s.helloRss()[run] = server.statusKib("VmRSS");
            }
            Path data = warBase.resolve("data");
            ServerProcess.deleteTree(data);
            Files.createDirectories(data);
            try (ServerProcess server = ServerProcess.startJetty(warBase, o.jvm(),
                    serverEnv(o, "jdbc:sqlite:" + data.resolve("twostep.db"), data, twilio))) {
                s.warSeconds()[run] = server.awaitOk("/twostep/login", Duration.ofSeconds(120)).toNanos() / 1e9;
                Thread.sleep(o.settle().toMillis());
                s.warRss()[run] = server.statusKib("VmRSS");
            }
            System.out.printf(Locale.ROOT, "  run %d: hello %.2f s %d MiB, Twostep %.2f s %d MiB%n", run + 1,
                    s.helloSeconds()[run], s.helloRss()[run] / 1024, s.warSeconds()[run], s.warRss()[run] / 1024);
        }
        System.out.println();
        return s;
    }

    /** A web app that is one static page, as a WAR like Twostep's. */
    private static void helloWar(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("index.html"));
            zip.write("<!DOCTYPE html><html><head><title>Hello</title></head><body><p>Hello</p></body></html>\n"
                    .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\""
                    + " version=\"6.0\" metadata-complete=\"true\"/>\n").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    // ---- sign-ins

    /**
     * Twostep's environment for the benchmark: the database, a fixed secret, Twilio pointed at the stand-in,
     * and the send limits raised so that the same 200 users can sign in again and again from one address.
     */
    static Map<String, String> serverEnv(Options o, String dbUrl, Path data, TwilioStandIn twilio) {
        Map<String, String> env = new HashMap<>();
        if (dbUrl != null) {
            env.put("TWOSTEP_DB_URL", dbUrl);
        }
        env.put("TWOSTEP_DATA_DIR", data.toString());
        env.put("TWOSTEP_SECRET", "bench-secret-0123456789abcdef0123456789");
        env.put("TWILIO_ACCOUNT_SID", "AC" + "0123456789abcdef".repeat(2));
        env.put("TWILIO_AUTH_TOKEN", "bench-auth-token");
        env.put("TWILIO_FROM_NUMBER", "+15005550006");
        env.put("TWILIO_BASE_URL", twilio.baseUrl());
        env.putAll(relaxedLimits());
        env.putAll(o.serverEnv());
        return env;
    }

    /**
     * The send limits raised so that the same users can sign in again and again from one address; also used
     * for the nodes of {@code dev.twostep.cluster.ClusterBench} (through {@link ExternalSignIns}).
     */
    static Map<String, String> relaxedLimits() {
        Map<String, String> env = new HashMap<>();
        for (String what : List.of("USER", "NUMBER", "ADDRESS")) {
            env.put("TWOSTEP_LIMITS_" + what + "_SENDS", "1000000");
            env.put("TWOSTEP_LIMITS_" + what + "_INTERVAL_SECONDS", "0");
        }
        env.put("TWOSTEP_LIMITS_ADDRESS_CONFIRMED_SENDS", "1000000");
        env.put("TWOSTEP_LIMITS_SENDS_PER_HOUR", "10000000");
        env.put("TWOSTEP_LIMITS_SENDS_PER_HOUR_PER_COUNTRY", "10000000");
        env.put("TWOSTEP_LIMITS_CONFIRMED_SENDS_PER_HOUR", "10000000");
        env.put("TWOSTEP_LIMITS_NUMBER_NEW_SENDS_PER_DAY", "1000");
        env.put("TWOSTEP_LIMITS_USER_SENDS_PER_DAY", "100000");
        // Every virtual user signs in from 127.0.0.1: a sign-in that failed with a server error stays counted
        // as a failure of that address, and 50 of them would throttle everyone (see docs/benchmarks.md).
        env.put("TWOSTEP_LIMITS_PASSWORD_FAILURES_PER_ADDRESS", "100000");
        return env;
    }

    private static DbRun load(Options o, String db, Path work, Path war, TwilioStandIn twilio, int cores)
            throws Exception {
        Path base = work.resolve("jetty-" + db);
        ServerProcess.makeJettyBase(base, war, "twostep.war");
        Path data = Files.createDirectories(base.resolve("data"));
        String dbUrl;
        String schema = null;
        if (db.equals("sqlite")) {
            dbUrl = "jdbc:sqlite:" + data.resolve("twostep.db");
        } else if (db.equals("postgres")) {
            schema = "twostep_bench_" + ProcessHandle.current().pid();
            sql(o.pgUrl(), "CREATE SCHEMA " + schema);
            dbUrl = o.pgUrl() + (o.pgUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema;
        } else {
            throw new IllegalArgumentException("--dbs: sqlite or postgres, not " + db);
        }
        String label = db.equals("sqlite") ? "SQLite" : "PostgreSQL";
        List<String> jvm = new ArrayList<>(o.jvm());
        // A GC log, to tell a server thrashing in full collections from one that is stuck.
        jvm.add("-Xlog:gc:file=" + base.resolve("gc.log") + ":uptime");
        if (o.jfr()) {
            jvm.add("-XX:StartFlightRecording=settings=profile,filename=" + base.resolve("server.jfr"));
        }
        // The JDK's JMX agent on 127.0.0.1, to read the app's PasswordHashing MBean at both ends of a window.
        int jmxPort = ServerProcess.freePort();
        jvm.addAll(ServerMBeans.jvmOptions(jmxPort));
        try (ServerProcess server = ServerProcess.startJetty(base, jvm, serverEnv(o, dbUrl, data, twilio));
             ServerMBeans mbeans = new ServerMBeans(jmxPort)) {
            Duration up = server.awaitOk("/twostep/login", Duration.ofSeconds(180));
            System.out.printf(Locale.ROOT, "%s (server up in %.1f s, log %s)%n", label, up.toNanos() / 1e9,
                    base.resolve("server.log"));
            SignInLoad load = new SignInLoad(server.url("/twostep"), twilio, o.timeout());
            // On PostgreSQL: rows the server inserted, updated or deleted in the run's schema (pg_stat_user_tables,
            // which may lag by a second).
            String statsSchema = schema;
            java.util.function.LongSupplier rowWrites = schema == null ? null : () -> rowWrites(o.pgUrl(), statsSchema);
            long t = System.nanoTime();
            List<SignInLoad.User> users = load.register(o.users(), o.registerThreads());
            double registerSeconds = (System.nanoTime() - t) / 1e9;
            System.out.printf(Locale.ROOT, "  %d of %d users registered and confirmed in %.1f s (%d in parallel)%n",
                    users.size(), o.users(), registerSeconds, o.registerThreads());
            if (users.isEmpty()) {
                throw new IllegalStateException("no user could register; the server log:\n" + server.logTail());
            }
            if (o.serverWarmup().toSeconds() > 0) {
                SignInLoad.Level warm = load.run(users, Math.min(2, users.size()), Duration.ZERO, o.serverWarmup(),
                        o.maxSignIns(), server, null, mbeans);
                System.out.printf(Locale.ROOT, "  server warm-up: %d sign-ins by 2 clients in %.0f s, %d errors (not"
                        + " counted below); in the server %.1f ms of CPU per hash (%d hashes)%n", warm.signIns(),
                        warm.windowSeconds(), warm.errorCount(), warm.hashCpuPerHash(), warm.hashing().hashes());
            }
            String stored = storedHash(dbUrl, users.get(0).name());
            HashBound.Result inBench = HashBound.measure(SignInLoad.PASSWORD, stored, cores, o.hashTime());
            HashBound.Result hash = HashBound.measureInJvm(o.jvm(), SignInLoad.PASSWORD, stored, cores, o.hashTime());
            for (HashBound.Result h : List.of(hash, inBench)) {
                System.out.printf(Locale.ROOT, "  hash-bound: %s, %d threads: %.1f checks/s (%d in %.1f s), CPU %.1f ms"
                        + " per check (%.1f ms in the hashing threads)%n    by %s%n", h.params(), h.threads(),
                        h.perSecond(), h.hashes(), h.seconds(), h.cpuMillisPerHash(), h.threadCpuMillisPerHash(),
                        h == inBench ? h.how() + ", in the benchmark's own JVM" : h.how());
            }
            double[] probe = load.sendProbe(users.get(0), o.probe(), server);
            double twilioMillis = twilio.medianServiceMillis();
            System.out.printf(Locale.ROOT, "  send alone (\"Send a new code\", %d in a row, idle server): p50 %.1f ms,"
                    + " p99 %.1f ms; code page alone p50 %.1f ms; server CPU %.1f ms per resend and code page;"
                    + " the stand-in answers in %.2f ms (p50)%n", o.probe(), probe[0], probe[1], probe[2], probe[3],
                    twilioMillis);
            List<SignInLoad.Level> levels = new ArrayList<>();
            for (int clients : o.levels()) {
                if (clients > users.size()) {
                    System.out.printf("  %d clients skipped: only %d users (each client needs a user of its own)%n",
                            clients, users.size());
                    continue;
                }
                SignInLoad.Level l = load.run(users, clients, o.warmup(), o.window(), o.maxSignIns(), server, rowWrites,
                        mbeans);
                levels.add(l);
                print(l, hash, cores);
                if (l.serverAlive() && l.count(SignInLoad.Failure.TIMEOUT) > 0) {
                    Path dump = base.resolve("threads-" + levels.size() + "-" + clients + ".txt");
                    server.threadDump(dump);
                    System.out.println("       requests timed out: the server's threads after the level are in " + dump
                            + ", its GC log in " + base.resolve("gc.log"));
                }
                if (!l.serverAlive()) {
                    System.out.println("  the server died; the rest of the levels are skipped");
                    break;
                }
            }
            System.out.printf(Locale.ROOT, "  the stand-in took %d messages%s%n%n", twilio.messages(),
                    twilio.refused() == 0 ? "" : " and refused " + twilio.refused() + " other requests");
            return new DbRun(label, users.size(), registerSeconds, hash, inBench, probe, twilioMillis, levels);
        } finally {
            if (schema != null) {
                sql(o.pgUrl(), "DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static void print(SignInLoad.Level l, HashBound.Result hash, int cores) {
        System.out.printf(Locale.ROOT, "  %3d clients: %.1f sign-ins/s (%d in %.1f s); server CPU %.1f ms/sign-in (%.1f of"
                + " it in the kernel); errors %d of %d; RSS %d MiB (peak %d); load generator CPU %.1f ms/sign-in,"
                + " other processes %.2f cores%s%s%n", l.clients(), l.perSecond(), l.signIns(), l.windowSeconds(),
                l.serverCpuPerSignIn(), l.serverSystemPerSignIn(), l.errorCount(), l.attempts(), l.rssKib() / 1024,
                l.hwmKib() / 1024, l.benchCpuPerSignIn(), l.otherCores(), l.rowWrites() < 0 ? ""
                        : String.format(Locale.ROOT, " (PostgreSQL's processes %.2f)", l.postgresCores()),
                l.outOfMemoryLines() == 0 ? "" : "; " + l.outOfMemoryLines() + " log lines with OutOfMemoryError");
        if (l.hashing() != null) {
            ServerMBeans.Hashing h = l.hashing();
            System.out.printf(Locale.ROOT, "       in the server: %d hashes, %.1f ms CPU per hash, %.1f per sign-in;"
                    + " outside the hash %.1f ms/sign-in; %.2f of the in-server hash-bound (%.1f hashes/s on %d cores);"
                    + " hash %.0f%% of the server's CPU; %d refused busy, mean queue wait %.0f ms%n", h.hashes(),
                    l.hashCpuPerHash(), l.hashCpuPerSignIn(), l.outsideHashPerSignIn(), l.ofInServerHashBound(cores),
                    1000.0 * cores / l.hashCpuPerHash(), cores, 100 * h.hashCpuMillis() / l.serverCpuMillis(),
                    h.refusedBusy(), h.slotsTaken() + h.refusedBusy() == 0 ? 0.0
                            : h.queueWaitNanos() / 1e6 / (h.slotsTaken() + h.refusedBusy()));
        }
        System.out.printf(Locale.ROOT, "       idle-JVM probe: %.2f of its hash-bound, %.1f ms/sign-in outside its CPU"
                + " per check%n", l.perSecond() / hash.perSecond(), l.serverCpuPerSignIn() - hash.cpuMillisPerHash());
        if (l.signIns() > 0 && !l.threadCpuMillis().isEmpty()) {
            StringBuilder kinds = new StringBuilder("       server CPU ms/sign-in by thread kind:");
            l.threadCpuMillis().forEach((kind, ms) -> kinds.append(String.format(Locale.ROOT, " %s %.1f", kind,
                    ms / l.signIns())));
            System.out.println(kinds + (l.rowWrites() < 0 ? "" : String.format(Locale.ROOT,
                    "; rows written in the database per sign-in: %.1f", l.rowWrites() / (double) l.signIns())));
        }
        StringBuilder steps = new StringBuilder("       p50/p99 ms:");
        for (int s = 0; s < SignInLoad.STEPS.length; s++) {
            steps.append(String.format(Locale.ROOT, " %s %.1f/%.1f%s", SignInLoad.STEPS[s], l.percentile(s, 0.5),
                    l.percentile(s, 0.99), s + 1 < SignInLoad.STEPS.length ? " |" : ""));
        }
        System.out.println(steps);
        if (!l.errors().isEmpty()) {
            System.out.println("       errors: " + l.errorsByStep());
            l.samples().forEach(e -> System.out.println("         " + e));
        }
    }

    private static String storedHash(String dbUrl, String user) throws Exception {
        loadDriver(dbUrl);
        try (Connection c = DriverManager.getConnection(dbUrl);
             PreparedStatement s = c.prepareStatement("SELECT password_hash FROM accounts WHERE username = ?")) {
            s.setString(1, user);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new IllegalStateException("no stored hash for " + user);
                }
                return r.getString(1);
            }
        }
    }

    private static long rowWrites(String url, String schema) {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                     + " FROM pg_stat_user_tables WHERE schemaname = ?")) {
            s.setString(1, schema);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("reading pg_stat_user_tables", e);
        }
    }

    private static void sql(String url, String statement) throws Exception {
        loadDriver(url);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** exec:java runs this in a class loader DriverManager does not search by itself. */
    private static void loadDriver(String url) throws ClassNotFoundException {
        Class.forName(url.startsWith("jdbc:sqlite:") ? "org.sqlite.JDBC" : "org.postgresql.Driver");
    }

    // ---- the summary

    private static void summary(Options o, Startup startup, List<GuardOverhead.Round> guard, List<DbRun> runs,
                                int cores) {
        System.out.println("## Summary (Markdown)");
        System.out.println();
        if (startup != null) {
            double helloS = median(startup.helloSeconds());
            double warS = median(startup.warSeconds());
            double helloM = median(Arrays.stream(startup.helloRss()).asDoubleStream().toArray()) / 1024;
            double warM = median(Arrays.stream(startup.warRss()).asDoubleStream().toArray()) / 1024;
            System.out.printf(Locale.ROOT, "| -Xmx%s, median of %d | start-up to first page | idle RSS |%n", o.heap(),
                    o.startupRuns());
            System.out.println("|---|---|---|");
            System.out.printf(Locale.ROOT, "| bare Jetty \"hello\" | %.2f s | %.0f MiB |%n", helloS, helloM);
            System.out.printf(Locale.ROOT, "| Twostep WAR | %.2f s | %.0f MiB |%n", warS, warM);
            System.out.printf(Locale.ROOT, "| ratio (target) | %.2f (≤ 2) | %.2f (≤ 1.5) |%n%n", warS / helloS,
                    warM / helloM);
        }
        if (!guard.isEmpty()) {
            System.out.println("| Tomcat, static page behind FORM login, wrk | req/s (each round) | CPU µs/request"
                    + " (each round) | median CPU µs/request |");
            System.out.println("|---|---|---|---|");
            double[] medians = new double[2];
            for (int i = 0; i < 2; i++) {
                int which = i;
                List<GuardOverhead.Round> rounds = guard.stream().filter(r -> r.path().contains(which == 0 ? "plain"
                        : "guarded")).toList();
                medians[i] = median(rounds.stream().mapToDouble(GuardOverhead.Round::cpuMicrosPerRequest).toArray());
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %.1f |%n", which == 0 ? "without the guard"
                        : "with the guard (verified session)",
                        String.join(", ", rounds.stream().map(r -> String.format(Locale.ROOT, "%.0f",
                                r.requestsPerSecond())).toList()),
                        String.join(", ", rounds.stream().map(r -> String.format(Locale.ROOT, "%.1f",
                                r.cpuMicrosPerRequest())).toList()), medians[i]);
            }
            System.out.printf(Locale.ROOT, "| guard overhead (target ≤ 2 µs) | | | %.1f |%n%n", medians[1] - medians[0]);
        }
        if (runs.isEmpty()) {
            return;
        }
        System.out.println("| DB | clients | sign-ins/s | hash CPU ms/sign-in, in the server | server CPU ms/sign-in"
                + " | outside the hash | ÷ in-server hash-bound (" + cores + " cores) | hash share of server CPU"
                + " | ÷ idle-JVM hash-bound | by thread: requests / GC / JIT / other"
                + " | cores used elsewhere: load generator / other processes (of them PostgreSQL) | errors (5xx/503/other) of sign-ins"
                + " | p50 ms: login page / password / code page / code / account | p99 ms, same steps |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (DbRun r : runs) {
            for (SignInLoad.Level l : r.levels()) {
                StringBuilder p50 = new StringBuilder();
                StringBuilder p99 = new StringBuilder();
                for (int s = 0; s < SignInLoad.STEPS.length; s++) {
                    p50.append(s == 0 ? "" : " / ").append(ms(l.percentile(s, 0.5)));
                    p99.append(s == 0 ? "" : " / ").append(ms(l.percentile(s, 0.99)));
                }
                StringBuilder kinds = new StringBuilder();
                for (String kind : List.of("requests", "GC", "JIT", "other")) {
                    kinds.append(kinds.length() == 0 ? "" : " / ").append(l.signIns() == 0 ? "-"
                            : ms(l.threadCpuMillis().getOrDefault(kind, 0.0) / l.signIns()));
                }
                int errors = l.errorCount();
                int fives = l.count(SignInLoad.Failure.STATUS_5XX);
                int unavailable = l.count(SignInLoad.Failure.STATUS_503);
                double hashShare = l.hashing() == null ? Double.NaN : l.hashing().hashCpuMillis() / l.serverCpuMillis();
                System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %s | %s | %s | %s | %s | %.2f | %s | %.2f / %.2f%s | %s | %s | %s |%n",
                        r.db(), l.clients(), l.perSecond(), ms(l.hashCpuPerSignIn()), ms(l.serverCpuPerSignIn()),
                        ms(l.outsideHashPerSignIn()), ratio(l.ofInServerHashBound(cores)), ratio(hashShare),
                        l.perSecond() / r.hash().perSecond(), kinds,
                        l.benchCpuMillis() / (l.windowSeconds() * 1000), l.otherCores(), l.rowWrites() < 0 ? ""
                                : String.format(Locale.ROOT, " (%.2f)", l.postgresCores()),
                        (errors == 0 ? "0" : errors + " (" + fives + "/" + unavailable + "/" + (errors - fives - unavailable)
                                + ")") + " of " + l.attempts(), p50, p99);
            }
        }
        System.out.println();
        System.out.println("| DB | hash-bound, " + cores + " threads, -Xmx" + o.heap() + " | CPU per check | same in the"
                + " benchmark's JVM | send alone p50 | code page alone p50 | server CPU per send + code page"
                + " | stand-in p50 |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (DbRun r : runs) {
            System.out.printf(Locale.ROOT, "| %s | %.1f checks/s, %s | %.1f ms | %.1f checks/s, %.1f ms | %.1f ms |"
                    + " %.1f ms | %.1f ms | %.2f ms |%n", r.db(), r.hash().perSecond(), r.hash().params(),
                    r.hash().cpuMillisPerHash(), r.inBench().perSecond(), r.inBench().cpuMillisPerHash(), r.probe()[0],
                    r.probe()[2], r.probe()[3], r.twilioMillis());
        }
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
