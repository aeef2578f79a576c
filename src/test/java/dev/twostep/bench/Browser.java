package dev.twostep.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one person's browser does, for the load generator: its own cookies, no redirects followed (the
 * walk checks each 303's target itself), form posts. The connection pool is the shared client's, so a new
 * browser may reuse a connection an earlier one opened.
 */
final class Browser {
    private static final Pattern CSRF = Pattern.compile("name=\"twostep_csrf\" value=\"([^\"]+)\"");

    /** One answer: status, body and the path of the Location header (null when there is none). */
    record Page(int status, String body, String location) {
        String csrf() {
            Matcher m = CSRF.matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    private final HttpClient http;
    private final String base;
    private final Duration timeout;
    private final Map<String, String> cookies = new LinkedHashMap<>();

    Browser(HttpClient http, String base, Duration timeout) {
        this.http = http;
        this.base = base;
        this.timeout = timeout;
    }

    /** This browser with a cookie, given as name=value. */
    Browser withCookie(String nameValue) {
        int eq = nameValue.indexOf('=');
        cookies.put(nameValue.substring(0, eq), nameValue.substring(eq + 1));
        return this;
    }

    /** The value of a cookie this browser holds, or null. */
    String cookie(String name) {
        return cookies.get(name);
    }

    Page get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    /** Posts a form of name, value pairs. */
    Page post(String path, String... form) throws IOException, InterruptedException {
        StringJoiner body = new StringJoiner("&");
        for (int i = 0; i < form.length; i += 2) {
            body.add(URLEncoder.encode(form[i], StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(form[i + 1], StandardCharsets.UTF_8));
        }
        return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (!cookies.isEmpty()) {
            StringJoiner header = new StringJoiner("; ");
            cookies.forEach((name, value) -> header.add(name + "=" + value));
            b.header("Cookie", header.toString());
        }
        return b;
    }

    private Page send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        for (String set : r.headers().allValues("Set-Cookie")) {
            String pair = set.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq > 0) {
                cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        String location = r.headers().firstValue("Location").map(l -> URI.create(base).resolve(l).getPath())
                .orElse(null);
        return new Page(r.statusCode(), r.body(), location);
    }
}
