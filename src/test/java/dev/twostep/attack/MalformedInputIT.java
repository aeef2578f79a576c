package dev.twostep.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.TwostepServer;

/**
 * Malformed encodings in queries and forms get a 400 page and at most a short log line a minute, never a
 * 500 and a stack trace; bodies are held to 64 KiB however framed; the CSRF token counts only in the body;
 * TRACE is not offered.
 */
class MalformedInputIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of());
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** Every log record written while it runs, from every logger (the container's too). */
    private static final class Captured extends Handler implements AutoCloseable {
        final List<LogRecord> records = new ArrayList<>();

        Captured() {
            Logger.getLogger("").addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            Logger.getLogger("").removeHandler(this);
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(SERVER.url(pathAndQuery))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A raw GET, since java.net.URI refuses to send a malformed escape: the status line and the whole answer. */
    private static String[] rawGet(String pathAndQuery) throws Exception {
        URI base = URI.create(SERVER.url("/"));
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + base.getPath().replaceAll("/$", "") + pathAndQuery + " HTTP/1.1\r\nHost: "
                    + base.getHost() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new String[] {answer.substring(0, answer.indexOf("\r\n")), answer};
        }
    }

    private static void assertCleanRefusal(HttpResponse<String> r, int status) {
        assertCleanRefusal(r.statusCode(), r.body(), status);
    }

    private static void assertCleanRefusal(int actual, String body, int status) {
        assertEquals(status, actual, body);
        for (String leak : List.of("Exception", "at org.", "at dev.", "Caused by")) {
            assertFalse(body.contains(leak), "the page shows '" + leak + "'");
        }
    }

    @Test
    void malformedQueriesGet400AndAFloodOfThemLeavesAtMostAFewShortLines() throws Exception {
        try (Captured log = new Captured()) {
            for (int i = 0; i < 100; i++) {
                for (String bad : List.of("/login?x=%zz", "/login?next=%FF", "/twostep/code?x=%", "/register?a=%C3%28")) {
                    String[] answer = rawGet(bad);
                    assertCleanRefusal(Integer.parseInt(answer[0].split(" ")[1]), answer[1], 400);
                }
            }
            synchronized (log) {
                assertTrue(log.records.stream().noneMatch(r -> r.getThrown() != null),
                        "no stack trace is logged: " + log.records.stream().filter(r -> r.getThrown() != null)
                                .findFirst().map(r -> r.getThrown().toString()).orElse(""));
                long lines = log.records.stream().filter(r -> r.getLevel().intValue() >= java.util.logging.Level.INFO
                        .intValue()).count();
                assertTrue(lines <= 2, lines + " log lines for 400 malformed requests");
            }
        }
        assertEquals(200, get("/login?next=%2Faccount").statusCode(), "a well-formed query still works");
    }

    @Test
    void aMalformedFormBodyGets400() throws Exception {
        Session s = session();
        HttpResponse<String> r = post("/login", s.cookie, "twostep_csrf=" + s.token + "&username=%zz&password=x");
        assertCleanRefusal(r, 400);
        HttpResponse<String> badUtf8 = post("/login", s.cookie, "twostep_csrf=" + s.token + "&username=%FF%FE&password=x");
        assertCleanRefusal(badUtf8, 400);
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedBeforeItIsParsed() throws Exception {
        Session s = session();
        byte[] big = ("twostep_csrf=" + s.token + "&username=" + "a".repeat(150_000) + "&password=x")
                .getBytes(StandardCharsets.US_ASCII);
        // ofInputStream has no known length: the body goes chunked, without Content-Length.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/login")))
                .header("Cookie", s.cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanRefusal(r, 413);
    }

    @Test
    void theCsrfTokenCountsOnlyInTheBody() throws Exception {
        Session s = session();
        HttpResponse<String> inQuery = post("/login?twostep_csrf=" + s.token, s.cookie, "username=a&password=b");
        assertEquals(403, inQuery.statusCode());
        HttpResponse<String> inBody = post("/login", s.cookie, "twostep_csrf=" + s.token + "&username=a&password=bbbbbbbb");
        assertEquals(422, inBody.statusCode(), "the same token in the body is accepted (a wrong password follows)");
    }

    @Test
    void traceIsNotOfferedOrAnswered() throws Exception {
        HttpResponse<String> trace = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/login")))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(trace.statusCode() == 405 || trace.statusCode() == 403, "TRACE answered " + trace.statusCode());
        assertFalse(trace.body().contains("TRACE /"), "nothing is echoed");
        HttpResponse<String> options = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/login")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        String allow = options.headers().firstValue("Allow").orElse("");
        assertFalse(allow.contains("TRACE"), allow);
        assertTrue(allow.contains("POST"), allow);
    }

    private record Session(String cookie, String token) {
    }

    private Session session() throws Exception {
        HttpResponse<String> login = get("/login");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        Matcher m = Pattern.compile("name=\"twostep_csrf\" value=\"([^\"]+)\"").matcher(login.body());
        assertTrue(m.find(), login.body());
        return new Session(cookie, m.group(1));
    }

    private HttpResponse<String> post(String path, String cookie, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(SERVER.url(path))).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
