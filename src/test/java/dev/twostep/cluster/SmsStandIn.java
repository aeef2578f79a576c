package dev.twostep.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

import dev.twostep.testing.TwilioForms;
import com.sun.net.httpserver.HttpServer;

/**
 * Twilio's Messages resource for the cluster tests, in the test's own process: every node's
 * {@code twilio.base-url} points here under a path of its own ({@code /node1}, ...), so the test sees every
 * code whichever node sent it, and which node that was.
 */
final class SmsStandIn implements AutoCloseable {
    private static final Pattern CODE = Pattern.compile("\\b([0-9]{6,10})\\b");

    /** One message a node asked Twilio to send. */
    record Sms(String node, String to, String code) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final List<Sms> sent = new ArrayList<>();

    SmsStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sms-stand-in");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL a node is given, with its name as the first path segment. */
    String baseUrlFor(String node) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + node;
    }

    /** The messages sent to this number so far, oldest first. */
    synchronized List<Sms> to(String e164) {
        return sent.stream().filter(s -> s.to().equals(e164)).toList();
    }

    /** The last message to this number; fails when none came. */
    Sms last(String e164) {
        List<Sms> all = to(e164);
        if (all.isEmpty()) {
            throw new AssertionError("no SMS to " + e164);
        }
        return all.get(all.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith("/Messages.json")) {
                TwilioForms.answer(exchange, 404, "{\"code\":20404,\"message\":\"The requested resource was not found\",\"status\":404}");
                return;
            }
            Map<String, String> form = TwilioForms.form(new String(request, StandardCharsets.UTF_8));
            String node = path.substring(1, path.indexOf('/', 1));
            String to = form.getOrDefault("To", "");
            Matcher code = CODE.matcher(form.getOrDefault("Body", ""));
            int n;
            synchronized (this) {
                sent.add(new Sms(node, to, code.find() ? code.group(1) : null));
                n = sent.size();
            }
            TwilioForms.answer(exchange, 201, "{\"sid\":\"SM" + String.format(java.util.Locale.ROOT, "%032x", n)
                    + "\",\"status\":\"queued\",\"to\":\"" + to + "\",\"num_segments\":\"1\"}");
        }
    }



    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
