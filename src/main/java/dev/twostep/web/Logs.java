package dev.twostep.web;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes typed values safe for a log line: no line breaks or other control characters, bounded length. */
public final class Logs {
    private static final Logger LOG = LoggerFactory.getLogger(Logs.class);
    private static final AtomicLong LAST_MALFORMED = new AtomicLong();
    private static final AtomicInteger MALFORMED_SINCE = new AtomicInteger();

    private Logs() {
    }

    /**
     * Notes a request refused for malformed input: one short line a minute at most, with how many were
     * refused since, so a flood of them cannot flood the log.
     */
    static void malformed(HttpServletRequest request, String what) {
        long now = System.currentTimeMillis();
        long last = LAST_MALFORMED.get();
        if (now - last >= 60_000 && LAST_MALFORMED.compareAndSet(last, now)) {
            LOG.info("Refused a request with a malformed {}: {} {} ({} more such since the last line)", what,
                    request.getMethod(), safe(request.getRequestURI()), MALFORMED_SINCE.getAndSet(0));
        } else {
            MALFORMED_SINCE.incrementAndGet();
        }
    }

    public static String safe(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                b.append('?');
            } else {
                b.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > 80 ? b + "..." : b.toString();
    }
}
