package dev.twostep.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.twostep.config.Settings;
import dev.twostep.delivery.CodeSender;
import dev.twostep.testing.RecordingSender;

/**
 * Load generator for the guard's hot path. Serves the session-attribute sample host app
 * (src/test/webapps/session-host) on embedded Jetty, signs one user in through both steps, then sends
 * the same GET to the same trivial servlet on a guarded path (/app/home, through TwoStepFilter with a
 * verified session) and on an excluded path (/app/health, the filter returns at once), for a fixed time
 * with a fixed number of client threads, and prints requests per second and latency percentiles for each.
 *
 * <p>Run: {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.twostep.bench.GuardBench [-Dexec.args="SECONDS THREADS"]} (see docs/benchmarks.md).
 * Nothing here asserts a timing; it prints figures.
 */
public final class GuardBench {
    private GuardBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path dir = Files.createTempDirectory("twostep-bench");
        RecordingSender sender = new RecordingSender();
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/host");
        webapp.setBaseResourceAsPath(Path.of("src/test/webapps/session-host").toAbsolutePath());
        webapp.setParentLoaderPriority(true);
        webapp.setAttribute(CodeSender.class.getName(), sender);
        java.util.Map<String, String> params = java.util.Map.of(
                "twostep.db.url", "jdbc:sqlite:" + dir.resolve("bench.db"), "twostep.data-dir", dir.toString(),
                "twostep.db.jndi", "none");
        webapp.setAttribute(Settings.class.getName(), new Settings(
                name -> params.containsKey(name) ? params.get(name) : webapp.getInitParameter(name), java.util.Map.of()));
        jetty.setHandler(webapp);
        jetty.start();
        String base = "http://127.0.0.1:" + connector.getLocalPort() + "/host";
        try {
            String cookie = signIn(base, sender);
            System.out.printf(Locale.ROOT, "GuardBench: %d s per path, %d client threads, Java %s, %d cores%n",
                    seconds, threads, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            // Warm-up, as long as a measurement, so the JIT has compiled both paths.
            run(base + "/app/health", cookie, seconds, threads, false);
            run(base + "/app/home", cookie, seconds, threads, false);
            // Two rounds, alternating, so JIT warm-up and machine noise show up as spread, not as a difference.
            for (int round = 0; round < 2; round++) {
                run(base + "/app/health", cookie, seconds, threads, true);
                run(base + "/app/home", cookie, seconds, threads, true);
            }
        } finally {
            jetty.stop();
        }
    }

    /** Host login, enrollment, code: returns the verified session's cookie. */
    private static String signIn(String base, RecordingSender sender) throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> login = http.send(post(base + "/signin", null, "user=bob&password=bob-password"),
                HttpResponse.BodyHandlers.ofString());
        String cookie = cookie(login, null);
        HttpResponse<String> enroll = http.send(get(base + "/twostep/enroll", cookie), HttpResponse.BodyHandlers.ofString());
        cookie = cookie(enroll, cookie);
        String csrf = csrf(enroll.body());
        http.send(post(base + "/twostep/enroll", cookie, "twostep_csrf=" + enc(csrf) + "&phone=%2B14155552671&channel=sms"),
                HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> code = http.send(get(base + "/twostep/code", cookie), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> verified = http.send(post(base + "/twostep/code", cookie, "twostep_csrf=" + enc(csrf(code.body()))
                + "&action=verify&code=" + sender.lastCode()), HttpResponse.BodyHandlers.ofString());
        cookie = cookie(verified, cookie);
        HttpResponse<String> home = http.send(get(base + "/app/home", cookie), HttpResponse.BodyHandlers.ofString());
        if (home.statusCode() != 200 || !home.body().contains("Hello, bob")) {
            throw new IllegalStateException("sign-in for the benchmark failed: " + home.statusCode());
        }
        return cookie;
    }

    private static void run(String url, String cookie, int seconds, int threads, boolean print) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = get(url, cookie);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<long[]>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            parts.add(pool.submit(() -> {
                long[] latencies = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(url + " answered " + r.statusCode());
                    }
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - start;
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : parts) {
            all.add(f.get());
        }
        pool.shutdown();
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        if (print) {
            System.out.printf(Locale.ROOT, "%-12s %9.0f req/s   p50 %6.3f ms   p99 %6.3f ms   (%d requests)%n",
                    url.substring(url.indexOf("/app/")), merged.length / (double) seconds,
                    merged[merged.length / 2] / 1e6, merged[(int) (merged.length * 0.99)] / 1e6, merged.length);
        }
    }

    private static HttpRequest get(String url, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return b.build();
    }

    private static HttpRequest post(String url, String cookie, String form) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return b.build();
    }

    private static String cookie(HttpResponse<?> response, String current) {
        for (String set : response.headers().allValues("Set-Cookie")) {
            if (set.startsWith("JSESSIONID=")) {
                return set.substring(0, set.indexOf(';') < 0 ? set.length() : set.indexOf(';'));
            }
        }
        return current;
    }

    private static String csrf(String html) {
        Matcher m = Pattern.compile("name=\"twostep_csrf\" value=\"([^\"]+)\"").matcher(html);
        if (!m.find()) {
            throw new IllegalStateException("no CSRF token in the page");
        }
        return m.group(1);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
