package dev.twostep.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local HTTP server in front of the Twilio SDK. Either it forwards every request to a real mock of
 * Twilio's API (Prism) and records what went and what came back, so a test can assert what the SDK
 * sent; or it answers by itself with a fixed status and body (Twilio's error JSON), or not at all
 * within a delay, to test error handling and timeouts.
 */
public final class TwilioStub implements AutoCloseable {

    /** One request as the SDK sent it, and the answer it got. */
    public record Exchange(String method, String path, Map<String, String> form, String authorization,
                           int status, String responseBody) {
    }

    private final HttpServer server;
    private final List<Exchange> exchanges = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile URI forwardTo;
    private volatile int fixedStatus;
    private volatile String fixedBody;
    private volatile long delayMillis;
    private final java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();

    private TwilioStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Forwards to Prism (or any Twilio-compatible base URL) and records. */
    public static TwilioStub forwardingTo(String baseUrl) throws IOException {
        TwilioStub stub = new TwilioStub();
        stub.forwardTo = URI.create(baseUrl.replaceAll("/+$", ""));
        return stub;
    }

    /** Answers every request with this status and JSON body. */
    public static TwilioStub answering(int status, String json) throws IOException {
        TwilioStub stub = new TwilioStub();
        stub.answer(status, json);
        return stub;
    }

    public void answer(int status, String json) {
        this.fixedStatus = status;
        this.fixedBody = json;
    }

    /** Holds each answer back this long (for timeout tests). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    /** Waits until this many requests have arrived (answered or not). */
    public void awaitReceived(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (received.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + received.get() + " requests arrived");
            }
            Thread.sleep(10);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    public synchronized Exchange last() {
        if (exchanges.isEmpty()) {
            throw new AssertionError("Twilio was never called");
        }
        return exchanges.get(exchanges.size() - 1);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] requestBody = ex.getRequestBody().readAllBytes();
            received.incrementAndGet();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            int status;
            String body;
            if (forwardTo != null) {
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(forwardTo + ex.getRequestURI().toString()))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(requestBody));
                for (String header : List.of("Authorization", "Content-Type", "Accept")) {
                    String value = ex.getRequestHeaders().getFirst(header);
                    if (value != null) {
                        forward.header(header, value);
                    }
                }
                HttpResponse<String> answer;
                try {
                    answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                status = answer.statusCode();
                body = answer.body();
            } else {
                status = fixedStatus;
                body = fixedBody;
            }
            synchronized (this) {
                exchanges.add(new Exchange(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        form(new String(requestBody, StandardCharsets.UTF_8)),
                        ex.getRequestHeaders().getFirst("Authorization"), status, body));
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return form;
        }
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
            String value = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            form.merge(key, value, (a, b) -> a + "," + b);
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
