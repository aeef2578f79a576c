package dev.twostep.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server in front of the Twilio SDK, on a plain socket so that it can misbehave the way a
 * network does. Either it forwards every request to a real mock of Twilio's API (Prism) and records what
 * went and what came back, so a test can assert what the SDK sent; or it answers by itself: with a fixed
 * status and body (Twilio's error JSON), late, never ({@link #stall()}), one byte at a time
 * ({@link #trickle}), by hanging up ({@link #hangUp()}), or not even take the connection ({@link #refuse()},
 * until the next mode is set). {@link #closedPort()} is an address where nothing listens. Every answer
 * closes its connection.
 */
public final class TwilioStub implements AutoCloseable {

    /**
     * One request as the SDK sent it, and the answer it got (status 0 and a null body when the stub did
     * not answer).
     *
     * @param headers the request headers, names in lower case
     */
    public record Exchange(String method, String path, Map<String, String> form, String authorization,
                           int status, String responseBody, Map<String, String> headers) {
    }

    /** How the stub answers. */
    private enum Mode { ANSWER, STALL, TRICKLE_BODY, TRICKLE_ALL, HANG_UP }

    private final int port;
    private volatile ServerSocket server;
    private volatile boolean closed;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "twilio-stub");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Exchange> exchanges = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private volatile URI forwardTo;
    private volatile Mode mode = Mode.ANSWER;
    private volatile int fixedStatus;
    private volatile String fixedBody;
    private volatile long delayMillis;
    private volatile long trickleMillis;

    private TwilioStub() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        port = server.getLocalPort();
        ServerSocket listening = server;
        threads.execute(() -> accept(listening));
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

    /** A base URL where nothing listens: connections are refused. */
    public static String closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    /** Twilio's error JSON, as its API sends it. */
    public static String twilioError(int code, int status) {
        return "{\"code\":" + code + ",\"message\":\"Twilio says no\",\"more_info\":"
                + "\"https://www.twilio.com/docs/errors/" + code + "\",\"status\":" + status + "}";
    }

    /** From now on answers at once with this status and JSON body. */
    public void answer(int status, String json) {
        listen();
        this.fixedStatus = status;
        this.fixedBody = json;
        this.delayMillis = 0;
        this.mode = Mode.ANSWER;
    }

    /** From now on answers with Twilio's error JSON for this error code. */
    public void answerError(int status, int code) {
        answer(status, twilioError(code, status));
    }

    /** Holds each answer back this long (for timeout tests). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    /** Reads each request and never answers, until the client gives up or the stub closes. */
    public void stall() {
        listen();
        this.mode = Mode.STALL;
    }

    /**
     * Answers with the set status and body, one byte per interval: after the status line and headers
     * ({@code headersFirst}) or from the very first byte of the status line on.
     */
    public void trickle(Duration every, boolean headersFirst) {
        listen();
        this.trickleMillis = every.toMillis();
        this.mode = headersFirst ? Mode.TRICKLE_BODY : Mode.TRICKLE_ALL;
    }

    /** Reads each request and closes the connection without a word. */
    public void hangUp() {
        listen();
        this.mode = Mode.HANG_UP;
    }

    /** Stops listening, so connections are refused, until another mode is set. */
    public synchronized void refuse() {
        try {
            server.close();
        } catch (IOException ignored) {
            // Refusing anyway.
        }
    }

    /** Listens again on the same port after {@link #refuse()}. */
    private synchronized void listen() {
        if (!server.isClosed() || closed) {
            return;
        }
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = listening;
            threads.execute(() -> accept(listening));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits until this many requests have arrived (answered or not). */
    public void awaitReceived(int count) throws InterruptedException {
        await(received, count, "requests arrived");
    }

    /**
     * Waits until the client has closed this many connections the stub had not finished answering (a
     * stalled or trickling answer): shows that a client that gave up also let go of the connection.
     */
    public void awaitAbandoned(int count) throws InterruptedException {
        await(abandoned, count, "unfinished answers were abandoned by the client");
    }

    private static void await(AtomicInteger counter, int count, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (counter.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + counter.get() + " " + what);
            }
            Thread.sleep(10);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
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

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket socket = listening.accept();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Request request = Request.read(in);
            if (request == null) {
                return;
            }
            received.incrementAndGet();
            Mode now = mode;
            if (now == Mode.STALL || now == Mode.HANG_UP) {
                record(request, 0, null);
                if (now == Mode.STALL) {
                    waitForClient(socket, in, 0);
                }
                return;
            }
            if (delayMillis > 0 && waitForClient(socket, in, delayMillis)) {
                return;
            }
            int status;
            String body;
            if (forwardTo != null) {
                HttpResponse<String> answer = forward(request);
                status = answer.statusCode();
                body = answer.body();
            } else {
                status = fixedStatus;
                body = fixedBody;
            }
            record(request, status, body);
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            byte[] head = ("HTTP/1.1 " + status + " Stub\r\nContent-Type: application/json\r\nContent-Length: "
                    + out.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            OutputStream o = socket.getOutputStream();
            if (now == Mode.ANSWER) {
                o.write(head);
                o.write(out);
                o.flush();
                return;
            }
            if (now == Mode.TRICKLE_BODY) {
                o.write(head);
                o.flush();
            }
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            if (now == Mode.TRICKLE_ALL) {
                rest.write(head);
            }
            rest.write(out);
            for (byte b : rest.toByteArray()) {
                if (waitForClient(socket, in, trickleMillis)) {
                    return;
                }
                o.write(b);
                o.flush();
            }
        } catch (IOException e) {
            // The client went away, or the stub closed: nothing to answer.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(socket);
        }
    }

    /**
     * Waits this long (0: until the client goes) while watching the connection; true when the client
     * closed it meanwhile. A client sends nothing after its request, so any read that ends is its close.
     */
    private boolean waitForClient(Socket socket, InputStream in, long millis) throws IOException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!socket.isClosed()) {
            long left = millis == 0 ? 0 : (end - System.nanoTime()) / 1_000_000L;
            if (millis != 0 && left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) left);
            try {
                if (in.read() < 0) {
                    abandoned.incrementAndGet();
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                if (!closed) {
                    abandoned.incrementAndGet();
                }
                return true;
            }
        }
        return true;
    }

    private HttpResponse<String> forward(Request request) throws IOException, InterruptedException {
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(forwardTo + request.target))
                .method(request.method, HttpRequest.BodyPublishers.ofByteArray(request.body));
        for (String header : List.of("authorization", "content-type", "accept")) {
            String value = request.headers.get(header);
            if (value != null) {
                forward.header(header, value);
            }
        }
        return http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
    }

    private synchronized void record(Request r, int status, String body) {
        String path = URI.create(r.target).getPath();
        exchanges.add(new Exchange(r.method, path, TwilioForms.form(new String(r.body, StandardCharsets.UTF_8)),
                r.headers.get("authorization"), status, body, Map.copyOf(r.headers)));
    }

    /** An HTTP/1.1 request as read from the socket: request line, headers, a Content-Length body. */
    private record Request(String method, String target, Map<String, String> headers, byte[] body) {
        static Request read(InputStream in) throws IOException {
            String line = line(in);
            if (line == null || line.isEmpty()) {
                return null;
            }
            String[] parts = line.split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new Request(parts[0], parts[1], headers, body);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder s = new StringBuilder();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    return s.toString().replaceAll("\r$", "");
                }
                s.append((char) c);
            }
            return s.length() == 0 ? null : s.toString();
        }
    }


    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        threads.shutdownNow();
    }
}
