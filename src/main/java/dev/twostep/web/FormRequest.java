package dev.twostep.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose parameters Twostep parsed itself, strictly: the query string and an
 * application/x-www-form-urlencoded body read up to a byte limit whatever the framing (a chunked body
 * counts as much as one with a Content-Length), with malformed percent-escapes or UTF-8 refused instead of
 * replaced. It also knows which parameters came from the body, so a CSRF token is only taken from there.
 */
final class FormRequest extends HttpServletRequestWrapper {
    /** The body or query could not be read as a form. */
    static final class Malformed extends Exception {
        Malformed(String what) {
            super(what, null, false, false);
        }
    }

    /** The body is over the limit. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super("body over the limit", null, false, false);
        }
    }

    private final Map<String, String[]> parameters;
    private final Map<String, String[]> fromBody;

    private FormRequest(HttpServletRequest request, Map<String, String[]> parameters, Map<String, String[]> fromBody) {
        super(request);
        this.parameters = parameters;
        this.fromBody = fromBody;
    }

    /** Checks a request's query string: true when it is a well-formed form encoding (or absent). */
    static boolean wellFormedQuery(HttpServletRequest request) {
        try {
            parse(request.getQueryString(), StandardCharsets.UTF_8);
            return true;
        } catch (Malformed e) {
            return false;
        }
    }

    /** Reads the query and the form body (at most {@code maxBody} bytes) of a POST. */
    static FormRequest read(HttpServletRequest request, long maxBody) throws IOException, Malformed, TooLarge {
        Charset charset = charset(request);
        Map<String, String[]> all = parse(request.getQueryString(), StandardCharsets.UTF_8);
        Map<String, String[]> body = Map.of();
        String type = request.getContentType();
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            byte[] raw = readAtMost(request.getInputStream(), maxBody);
            if (raw.length == 0 && request.getContentLengthLong() != 0 && !request.getParameterMap().isEmpty()) {
                // A host filter mapped before this one already read the form through the container (Spring
                // Security does): take the container's parameters, and the body's as all but the query's.
                return fromContainer(request, all);
            }
            body = parse(new String(raw, StandardCharsets.ISO_8859_1), charset);
        }
        Map<String, String[]> merged = new LinkedHashMap<>(all);
        body.forEach((name, values) -> merged.merge(name, values, FormRequest::concat));
        return new FormRequest(request, Collections.unmodifiableMap(merged), body);
    }

    private static FormRequest fromContainer(HttpServletRequest request, Map<String, String[]> query) {
        Map<String, String[]> all = new LinkedHashMap<>(request.getParameterMap());
        Map<String, String[]> body = new LinkedHashMap<>();
        all.forEach((name, values) -> {
            if (!query.containsKey(name)) {
                body.put(name, values);
            }
        });
        return new FormRequest(request, Collections.unmodifiableMap(all), body);
    }

    /** The value of a parameter sent in the body, never the query string. */
    String bodyParameter(String name) {
        String[] values = fromBody.get(name);
        return values == null ? null : values[0];
    }

    @Override
    public String getParameter(String name) {
        String[] values = parameters.get(name);
        return values == null ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return parameters;
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(parameters.keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = parameters.get(name);
        return values == null ? null : values.clone();
    }

    private static Charset charset(HttpServletRequest request) {
        try {
            String name = request.getCharacterEncoding();
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException unknown) {
            return StandardCharsets.UTF_8;
        }
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException, TooLarge {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
            if (out.size() > max) {
                throw new TooLarge();
            }
        }
        return out.toByteArray();
    }

    /** Parses "a=1&b=2" (raw, percent-encoded), refusing malformed escapes and byte sequences. */
    static Map<String, String[]> parse(String raw, Charset charset) throws Malformed {
        Map<String, List<String>> found = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), charset);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), charset);
                found.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        Map<String, String[]> result = new LinkedHashMap<>();
        found.forEach((k, v) -> result.put(k, v.toArray(new String[0])));
        return result;
    }

    private static String decode(String s, Charset charset) throws Malformed {
        ByteBuffer bytes = ByteBuffer.allocate(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.put((byte) ' ');
            } else if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new Malformed("a % without two hex digits");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new Malformed("a % without two hex digits");
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else if (c > 0xff) {
                throw new Malformed("an unencoded character");
            } else {
                bytes.put((byte) c);
            }
        }
        bytes.flip();
        try {
            CharBuffer chars = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("bytes that are not " + charset.name());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] both = new String[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
