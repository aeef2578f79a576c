package dev.twostep.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load: registering the virtual users through the app's own pages, and sign-ins by N concurrent
 * clients, each sign-in a fresh browser (own cookies) walking GET /login, POST /login (which sends the
 * code), GET /twostep/code, POST the code read from the Twilio stand-in, GET /account.
 */
final class SignInLoad {
    static final String[] STEPS = {"GET /login", "POST /login", "GET /twostep/code", "POST /twostep/code",
        "GET /account"};
    static final String PASSWORD = "bench password 0123";

    /** A registered user, with a number of their own. */
    record User(String name, String e164) {
    }

    /** What went wrong in a step; an unexpected status is classed by its family, 503 on its own. */
    enum Failure { STATUS_503, STATUS_5XX, STATUS_429, STATUS_OTHER, WRONG_PAGE, NO_CODE, TIMEOUT, IO }

    /** One level's figures. */
    record Level(int clients, double windowSeconds, long signIns, double serverCpuMillis, double serverSystemMillis,
                 double benchCpuMillis,
                 long[][] latencies, Map<Failure, Integer> errors, Map<String, Integer> errorsByStep,
                 List<String> samples, long attempts,
                 long rssKib, long hwmKib, int outOfMemoryLines, boolean serverAlive, double otherCores,
                 Map<String, Double> threadCpuMillis, long rowWrites, ServerMBeans.Hashing hashing,
                 double postgresCores) {
        double perSecond() {
            return signIns / windowSeconds;
        }

        /**
         * CPU time the server's hashing threads spent in password hashes during the window, per sign-in
         * (measured in the server by its PasswordHashing MBean); NaN when not read.
         */
        double hashCpuPerSignIn() {
            return hashing == null || signIns == 0 ? Double.NaN : hashing.hashCpuMillis() / signIns;
        }

        /** The same per hash computed in the window. */
        double hashCpuPerHash() {
            return hashing == null || hashing.hashes() == 0 ? Double.NaN : hashing.hashCpuMillis() / hashing.hashes();
        }

        /** The server's CPU time per sign-in outside the password hash, both measured in the window. */
        double outsideHashPerSignIn() {
            return serverCpuPerSignIn() - hashCpuPerSignIn();
        }

        /**
         * Sign-ins/s over the hashes/s the server's own CPU time per hash allows on this many cores: 1 when
         * every core does nothing but this server's password hashes.
         */
        double ofInServerHashBound(int cores) {
            return perSecond() * hashCpuPerHash() / (1000.0 * cores);
        }

        double serverCpuPerSignIn() {
            return signIns == 0 ? Double.NaN : serverCpuMillis / signIns;
        }

        double serverSystemPerSignIn() {
            return signIns == 0 ? Double.NaN : serverSystemMillis / signIns;
        }

        double benchCpuPerSignIn() {
            return signIns == 0 ? Double.NaN : benchCpuMillis / signIns;
        }

        int errorCount() {
            return errors.values().stream().mapToInt(Integer::intValue).sum();
        }

        int count(Failure... kinds) {
            return Arrays.stream(kinds).mapToInt(k -> errors.getOrDefault(k, 0)).sum();
        }

        /** The p-th percentile (0 to 1) of a step's latency in ms, over requests that ended in the window. */
        double percentile(int step, double p) {
            long[] l = latencies[step];
            return l.length == 0 ? Double.NaN : l[Math.min(l.length - 1, (int) (l.length * p))] / 1e6;
        }
    }

    private final String base;
    private final TwilioStandIn twilio;
    private final Duration timeout;
    private final HttpClient http;

    SignInLoad(String base, TwilioStandIn twilio, Duration timeout) {
        this.base = base;
        this.twilio = twilio;
        this.timeout = timeout;
        // One client for every browser: its connection pool stands in for browsers' keep-alive connections.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newCachedThreadPool(daemon("bench-http"))).build();
    }

    /**
     * Registers this many users through /register, each confirming their phone with the code the stand-in
     * received, with some in parallel; returns those that made it (the others are printed).
     */
    List<User> register(int count, int parallel) throws InterruptedException {
        List<User> users = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Distinct numbers in the 415-555 block libphonenumber accepts as valid US numbers.
            users.add(new User(String.format("bench-u%04d", i), String.format("+1415555%04d", 2000 + i)));
        }
        List<User> done = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel, daemon("bench-register"));
        for (User u : users) {
            pool.execute(() -> {
                String problem = registerOne(u);
                if (problem == null) {
                    done.add(u);
                } else {
                    System.out.println("  registration of " + u.name() + " failed: " + problem);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.MINUTES);
        done.sort(java.util.Comparator.comparing(User::name));
        return done;
    }

    private String registerOne(User u) {
        try {
            Browser b = new Browser(http, base, timeout);
            Browser.Page form = b.get("/register");
            if (form.status() != 200 || form.csrf() == null) {
                return "GET /register " + form.status();
            }
            Browser.Page posted = b.post("/register", "twostep_csrf", form.csrf(), "username", u.name(), "password", PASSWORD,
                    "phone", u.e164(), "channel", "sms");
            if (posted.status() != 303 || !endsWith(posted.location(), "/twostep/code")) {
                return "POST /register " + posted.status() + " " + snippet(posted.body());
            }
            Browser.Page code = b.get("/twostep/code");
            String sent = twilio.takeCode(u.e164());
            if (code.status() != 200 || code.csrf() == null || sent == null) {
                return "code page " + code.status() + (sent == null ? ", no code at the stand-in" : "");
            }
            Browser.Page verified = b.post("/twostep/code", "twostep_csrf", code.csrf(), "action", "verify", "code", sent);
            if (verified.status() != 303 || !endsWith(verified.location(), "/account")) {
                return "POST code " + verified.status() + " " + snippet(verified.body());
            }
            Browser.Page account = b.get("/account");
            return account.status() == 200 && account.body().contains("Signed in as") ? null
                    : "GET /account " + account.status();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * A probe of the send alone, on an idle server: one user signs in up to the code page, then asks for a
     * new code this many times in a row ("Send a new code": a POST that sends and hashes no password),
     * each followed by the code page. Returns {resend p50, resend p99, code page p50} in milliseconds and the
     * server's CPU time per resend and code page, in milliseconds.
     */
    double[] sendProbe(User user, int times, ServerProcess server) throws Exception {
        Browser b = new Browser(http, base, timeout);
        Browser.Page login = b.get("/login");
        b.post("/login", "twostep_csrf", login.csrf(), "username", user.name(), "password", PASSWORD);
        Browser.Page code = b.get("/twostep/code");
        String csrf = code.csrf();
        long[] resend = new long[times];
        long[] page = new long[times];
        double cpu0 = server.cpuMillis();
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            Browser.Page again = b.post("/twostep/code", "twostep_csrf", csrf, "action", "resend");
            resend[i] = System.nanoTime() - start;
            if (again.status() != 303) {
                throw new IllegalStateException("resend answered " + again.status() + " " + snippet(again.body()));
            }
            start = System.nanoTime();
            Browser.Page shown = b.get("/twostep/code");
            page[i] = System.nanoTime() - start;
            csrf = shown.csrf() == null ? csrf : shown.csrf();
        }
        double cpu = (server.cpuMillis() - cpu0) / times;
        twilio.takeCode(user.e164());
        Arrays.sort(resend);
        Arrays.sort(page);
        return new double[] {resend[times / 2] / 1e6, resend[Math.min(times - 1, (int) (times * 0.99))] / 1e6,
            page[times / 2] / 1e6, cpu};
    }

    /**
     * One level: this many clients sign in over and over for the warm-up and then the measured window, each
     * with a user no other client is using. The window starts after the warm-up and only once as many
     * sign-ins as there are clients have ended (so that at 200 clients the first wave, which all queue at
     * once, is not the measurement), at most a minute later. The server's CPU time is read at the window's
     * two ends. After the window no client starts a new step; errors are counted over the whole level.
     * {@code server} may be null for a server this benchmark did not start (several nodes behind a load
     * balancer, {@link ExternalSignIns}): then only the load generator's figures are measured, and the server's
     * are NaN or 0.
     */
    Level run(List<User> users, int clients, Duration warmup, Duration window, long maxSignIns, ServerProcess server,
              java.util.function.LongSupplier rowWrites, ServerMBeans mbeans) throws Exception {
        BlockingQueue<User> free = new ArrayBlockingQueue<>(users.size(), false, users);
        Recorder rec = new Recorder();
        long logStart = server == null ? 0 : server.logLength();
        ExecutorService pool = Executors.newFixedThreadPool(clients, daemon("bench-client"));
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            pool.execute(() -> {
                while (!rec.stopped) {
                    User u;
                    try {
                        u = free.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        signIn(u, rec);
                    } finally {
                        free.add(u);
                    }
                }
            });
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        long warmEnd = t0 + warmup.toNanos();
        long latest = warmEnd + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < warmEnd || (rec.finished.get() < clients && System.nanoTime() < latest)) {
            Thread.sleep(5);
        }
        ServerMBeans.Hashing hashing0 = mbeans == null ? null : mbeans.hashing();
        long windowStart = System.nanoTime();
        double cpu0 = server == null ? Double.NaN : server.cpuMillis();
        double sys0 = server == null ? Double.NaN : server.systemMillis();
        Map<String, Double> threads0 = server == null ? Map.of() : server.threadCpuMillis();
        long writes0 = rowWrites == null ? 0 : rowWrites.getAsLong();
        long bench0 = os.getProcessCpuTime();
        double machine0 = ServerProcess.machineBusyMillis();
        double postgres0 = rowWrites == null ? 0 : ServerProcess.processesCpuMillis("postgres");
        long done0 = rec.completed.get();
        long windowEnd = windowStart + window.toNanos();
        while (System.nanoTime() < windowEnd && rec.completed.get() - done0 < maxSignIns && alive(server)) {
            Thread.sleep(5);
        }
        windowEnd = System.nanoTime();
        boolean measured = server != null && server.alive();
        double cpu1 = measured ? server.cpuMillis() : Double.NaN;
        ServerMBeans.Hashing hashing = mbeans == null || !measured ? null : mbeans.hashing().minus(hashing0);
        double sys1 = measured ? server.systemMillis() : Double.NaN;
        long writes = rowWrites == null ? -1 : rowWrites.getAsLong() - writes0;
        Map<String, Double> threads = new java.util.TreeMap<>();
        if (measured) {
            server.threadCpuMillis().forEach((kind, ms) -> threads.put(kind, ms - threads0.getOrDefault(kind, 0.0)));
        }
        long bench1 = os.getProcessCpuTime();
        double machine1 = ServerProcess.machineBusyMillis();
        double postgres = rowWrites == null ? 0 : ServerProcess.processesCpuMillis("postgres") - postgres0;
        rec.stopped = true;
        pool.shutdown();
        if (!pool.awaitTermination(timeout.toSeconds() + 10, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
        long ws = windowStart;
        long we = windowEnd;
        long signIns = rec.completions.stream().filter(e -> e >= ws && e <= we).count();
        long[][] latencies = new long[STEPS.length][];
        for (int s = 0; s < STEPS.length; s++) {
            int step = s;
            latencies[s] = rec.requests.stream().filter(r -> r[0] == step && r[2] >= ws && r[2] <= we)
                    .mapToLong(r -> r[2] - r[1]).sorted().toArray();
        }
        Map<Failure, Integer> errors = new LinkedHashMap<>();
        rec.errors.forEach((k, v) -> errors.put(k, v.get()));
        Map<String, Integer> byStep = new java.util.TreeMap<>();
        rec.byStep.forEach((k, v) -> byStep.put(k, v.get()));
        String log = server == null ? "" : server.logSince(logStart);
        int oom = (int) log.lines().filter(l -> l.contains("OutOfMemoryError")).count();
        boolean alive = alive(server);
        boolean read = server != null && alive;
        return new Level(clients, (we - ws) / 1e9, signIns, cpu1 - cpu0, sys1 - sys0, (bench1 - bench0) / 1e6, latencies, errors,
                byStep, List.copyOf(rec.samples), rec.attempts.get(), read ? server.statusKib("VmRSS") : 0,
                read ? server.statusKib("VmHWM") : 0, oom, alive,
                (machine1 - machine0 - (cpu1 - cpu0) - (bench1 - bench0) / 1e6) / ((we - ws) / 1e6), threads, writes,
                hashing, postgres / ((we - ws) / 1e6));
    }

    /** True for no server (one this benchmark did not start, not watched). */
    private static boolean alive(ServerProcess server) {
        return server == null || server.alive();
    }

    /** The five steps of a sign-in, each timed; the first unexpected answer ends it as an error. */
    private void signIn(User u, Recorder rec) {
        rec.attempts.incrementAndGet();
        Browser b = new Browser(http, base, timeout);
        try {
            Browser.Page login = rec.step(0, () -> b.get("/login"));
            if (login == null || !rec.expect(0, login, 200, null, null)) {
                return;
            }
            twilio.takeCode(u.e164()); // a code left by a sign-in cut off at the end of a level
            Browser.Page posted = rec.step(1, () -> b.post("/login", "twostep_csrf", login.csrf(), "username", u.name(),
                    "password", PASSWORD));
            if (posted == null || !rec.expect(1, posted, 303, "/twostep/code", null)) {
                return;
            }
            Browser.Page code = rec.step(2, () -> b.get("/twostep/code"));
            if (code == null || !rec.expect(2, code, 200, null, null)) {
                return;
            }
            String sent = twilio.takeCode(u.e164());
            if (sent == null) {
                rec.fail(2, Failure.NO_CODE, "no code reached the stand-in for " + u.name() + ": "
                        + snippet(code.body()));
                return;
            }
            Browser.Page verified = rec.step(3, () -> b.post("/twostep/code", "twostep_csrf", code.csrf(), "action", "verify",
                    "code", sent));
            if (verified == null || !rec.expect(3, verified, 303, "/account", null)) {
                return;
            }
            Browser.Page account = rec.step(4, () -> b.get("/account"));
            if (account == null || !rec.expect(4, account, 200, null, "Signed in as")) {
                return;
            }
            rec.completions.add(System.nanoTime());
            rec.completed.incrementAndGet();
        } finally {
            rec.finished.incrementAndGet();
        }
    }

    private interface Call {
        Browser.Page call() throws IOException, InterruptedException;
    }

    /** Requests, sign-ins and errors of one level, from every client thread. */
    private static final class Recorder {
        volatile boolean stopped;
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong finished = new AtomicLong();
        /** {step, start, end} in System.nanoTime(). */
        final ConcurrentLinkedQueue<long[]> requests = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> completions = new ConcurrentLinkedQueue<>();
        final Map<Failure, AtomicInteger> errors = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> byStep = new ConcurrentHashMap<>();
        final List<String> samples = java.util.Collections.synchronizedList(new ArrayList<>());

        /** Sends one step unless the level is over; null when it was not sent or failed (recorded). */
        Browser.Page step(int step, Call call) {
            if (stopped) {
                return null;
            }
            long start = System.nanoTime();
            try {
                Browser.Page page = call.call();
                requests.add(new long[] {step, start, System.nanoTime()});
                return page;
            } catch (HttpTimeoutException e) {
                fail(step, Failure.TIMEOUT, e.toString());
            } catch (IOException e) {
                fail(step, Failure.IO, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }

        boolean expect(int step, Browser.Page page, int status, String location, String text) {
            if (page.status() != status) {
                Failure kind = page.status() == 503 ? Failure.STATUS_503 : page.status() >= 500 ? Failure.STATUS_5XX
                        : page.status() == 429 ? Failure.STATUS_429 : Failure.STATUS_OTHER;
                fail(step, kind, page.status() + " " + snippet(page.body()));
                return false;
            }
            if ((location != null && !endsWith(page.location(), location)) || (text != null && !page.body().contains(text))
                    || (status == 200 && step < 3 && page.csrf() == null)) {
                fail(step, Failure.WRONG_PAGE, page.status() + " to " + page.location() + " " + snippet(page.body()));
                return false;
            }
            return true;
        }

        void fail(int step, Failure kind, String detail) {
            errors.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            String where = STEPS[step] + " " + kind;
            if (byStep.computeIfAbsent(where, k -> new AtomicInteger()).incrementAndGet() == 1) {
                // The first of each kind in each step.
                samples.add(where + ": " + detail);
            }
        }
    }

    private static boolean endsWith(String path, String suffix) {
        return path != null && path.endsWith(suffix);
    }

    /** The visible text of a page, shortened, for error samples. */
    static String snippet(String html) {
        String text = html == null ? "" : html.replaceAll("(?s)<head>.*?</head>", " ").replaceAll("<[^>]+>", " ")
                .replaceAll("\\s+", " ").trim();
        return text.length() > 160 ? text.substring(0, 160) + "…" : text;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
