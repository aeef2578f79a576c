package dev.twostep.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

import dev.twostep.testing.TwilioForms;
import com.sun.net.httpserver.HttpServer;

/**
 * Twilio's Messages resource as far as a sign-in needs it, on 127.0.0.1 in the benchmark's own process: a
 * POST to {@code .../Messages.json} is answered at once with 201 and a message SID, and the code in its
 * Body is kept for its destination number until the load generator takes it. Keep-alive connections, and
 * TCP_NODELAY on them (the JDK server leaves Nagle on unless {@code sun.net.httpserver.nodelay} is set, and
 * an answer written as head and body in two segments can then wait for a delayed ACK: 40 ms on Linux).
 */
final class TwilioStandIn implements AutoCloseable {
    private static final Pattern CODE = Pattern.compile("\\b([0-9]{6,10})\\b");

    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, String> codes = new ConcurrentHashMap<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger sid = new AtomicInteger();
    /** Time from the request's head being parsed to the answer written, per message (a ring of the last ones). */
    private final long[] serviceNanos = new long[4096];

    /**
     * @param noDelay false leaves Nagle on, as the JDK's server does by default: to show what that does to
     *     the app's sends (about 40 ms each on Linux)
     */
    TwilioStandIn(boolean noDelay) throws IOException {
        // Read once, when the JDK's server configuration class loads: set before the first server.
        System.setProperty("sun.net.httpserver.nodelay", String.valueOf(noDelay));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        threads = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "twilio-stand-in");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The code last sent to this number and not taken yet, taken now; null when none came. */
    String takeCode(String e164) {
        return codes.remove(e164);
    }

    int messages() {
        return messages.get();
    }

    /** Requests that were not a message create (answered 404), which would mean the app asked for more. */
    int refused() {
        return refused.get();
    }

    /** The median time the stand-in took to answer, over the last messages, in milliseconds. */
    double medianServiceMillis() {
        int n = Math.min(messages.get(), serviceNanos.length);
        if (n == 0) {
            return Double.NaN;
        }
        long[] copy;
        synchronized (serviceNanos) {
            copy = Arrays.copyOf(serviceNanos, n);
        }
        Arrays.sort(copy);
        return copy[n / 2] / 1e6;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith("/Messages.json")) {
                refused.incrementAndGet();
                TwilioForms.answer(exchange, 404, "{\"code\":20404,\"message\":\"The requested resource was not found\","
                        + "\"more_info\":\"https://www.twilio.com/docs/errors/20404\",\"status\":404}");
                return;
            }
            Map<String, String> form = TwilioForms.form(new String(request, StandardCharsets.UTF_8));
            String to = form.getOrDefault("To", "");
            Matcher code = CODE.matcher(form.getOrDefault("Body", ""));
            if (code.find()) {
                codes.put(to, code.group(1));
            }
            String id = String.format(java.util.Locale.ROOT, "SM%032x", sid.incrementAndGet());
            TwilioForms.answer(exchange, 201, "{\"sid\":\"" + id + "\",\"status\":\"queued\",\"to\":\"" + to
                    + "\",\"direction\":\"outbound-api\",\"api_version\":\"2010-04-01\",\"num_segments\":\"1\"}");
            int n = messages.getAndIncrement();
            synchronized (serviceNanos) {
                serviceNanos[n % serviceNanos.length] = System.nanoTime() - start;
            }
        }
    }



    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
