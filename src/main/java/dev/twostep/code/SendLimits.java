package dev.twostep.code;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.ClientAddress;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.LimitedException.Limit;
import dev.twostep.limits.RateLimiter;

/**
 * How many codes go out: per user, per destination number and per client address (a number in a window,
 * and a least interval between two), and for the whole server per hour (a cost guard against SMS pumping).
 */
public final class SendLimits {
    private static final Logger LOG = LoggerFactory.getLogger(SendLimits.class);
    /** No limits (unit tests of the code rules alone). */
    static final SendLimits NONE = new SendLimits(null, null);

    private final RateLimiter limiter;
    private final List<RateLimiter.Rule> perSubject = new ArrayList<>();
    private final RateLimiter.Rule global;
    private final AtomicLong warnedHour = new AtomicLong(-1);

    public SendLimits(RateLimiter limiter, TwostepConfig.Limits limits) {
        this.limiter = limiter;
        if (limits == null) {
            this.global = null;
            return;
        }
        add("send-user", limits.user(), limits.sendWindow());
        add("send-to", limits.number(), limits.sendWindow());
        add("send-ip", limits.address(), limits.sendWindow());
        this.global = new RateLimiter.Rule("send-all", limits.sendsPerHour(), Duration.ofHours(1));
    }

    private void add(String kind, TwostepConfig.SendRule rule, Duration window) {
        perSubject.add(new RateLimiter.Rule(kind, rule.sends(), window));
        if (!rule.interval().isZero()) {
            perSubject.add(new RateLimiter.Rule(kind + "-gap", 1, rule.interval()));
        }
    }

    /** Counts one send everywhere it counts, or none of them when one is full. */
    List<Long> acquire(String user, String to, String address, long now) throws LimitedException {
        List<Long> taken = new ArrayList<>();
        if (limiter == null) {
            return taken;
        }
        try {
            for (RateLimiter.Rule rule : perSubject) {
                String subject = rule.kind().startsWith("send-user") ? user
                        : rule.kind().startsWith("send-to") ? to : ClientAddress.limitKey(address);
                if (subject != null) {
                    taken.add(limiter.acquire(rule, subject, now, Limit.SENDS));
                }
            }
            try {
                taken.add(limiter.acquire(global, "*", now, Limit.GLOBAL_SENDS));
            } catch (LimitedException e) {
                long hour = now / 3_600_000L;
                if (warnedHour.getAndSet(hour) != hour) {
                    LOG.warn("The server-wide ceiling of {} codes per hour is reached: new sends are refused until"
                            + " the window has room (twostep.limits.sends-per-hour)", global.max());
                }
                throw e;
            }
            return taken;
        } catch (LimitedException | RuntimeException e) {
            release(taken);
            throw e;
        }
    }

    void release(List<Long> taken) {
        if (limiter != null) {
            taken.forEach(limiter::release);
        }
    }
}
