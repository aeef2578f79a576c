package dev.twostep.web;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.LogText;

/** Makes typed values safe for a log line: no line breaks or other control characters, bounded length. */
public final class Logs {
    private static final Logger LOG = LoggerFactory.getLogger(Logs.class);
    private static final Throttle MALFORMED = new Throttle();
    private static final Throttle CSRF = new Throttle();

    /** At most one line a minute, and how many were held back meanwhile. */
    private static final class Throttle {
        private final AtomicLong last = new AtomicLong();
        private final AtomicInteger since = new AtomicInteger();

        /** How many were held back since the last line, or -1 when this one is held back too. */
        int pass() {
            long now = System.currentTimeMillis();
            long before = last.get();
            if (now - before >= 60_000 && last.compareAndSet(before, now)) {
                return since.getAndSet(0);
            }
            since.incrementAndGet();
            return -1;
        }
    }

    private Logs() {
    }

    /**
     * Notes a request refused for malformed input: one short line a minute at most, with how many were
     * refused since, so a flood of them cannot flood the log.
     */
    static void malformed(HttpServletRequest request, String what) {
        int heldBack = MALFORMED.pass();
        if (heldBack >= 0) {
            LOG.info("Refused a request with a malformed {}: {} {} ({} more such since the last line)", what,
                    request.getMethod(), LogText.safe(request.getRequestURI()), heldBack);
        }
    }

    /** Notes a form refused for a missing or wrong CSRF token, at most one WARN line a minute likewise. */
    static void refusedCsrf(HttpServletRequest request) {
        int heldBack = CSRF.pass();
        if (heldBack >= 0) {
            LOG.warn("Refused a {} to {} without a valid CSRF token ({} more such since the last line)",
                    request.getMethod(), LogText.safe(request.getRequestURI()), heldBack);
        }
    }
}
