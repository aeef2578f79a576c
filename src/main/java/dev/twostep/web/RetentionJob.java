package dev.twostep.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.Retention;
import dev.twostep.code.CodeService;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.factor.TotpFactorDao;
import dev.twostep.limits.RateLimiter;

/**
 * Applies {@link Retention}: deletes the rows of old codes (full phone numbers), the old audit trail
 * (but never {@link AuditLog#KEPT_FOREVER}), rate events no window counts any more, authenticator apps
 * never confirmed within {@link #UNCONFIRMED_APPS}, and remembered devices that expired or were revoked
 * longer ago than the codes' retention. Runs once when
 * started, on the caller's thread, so the server starts with the retention applied, and then every
 * {@link #PERIOD} on a daemon thread of its own until closed.
 */
final class RetentionJob implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);
    static final Duration PERIOD = Duration.ofHours(1);
    /** An authenticator app begun and not confirmed within a day is dropped: its sealed key serves nobody. */
    static final Duration UNCONFIRMED_APPS = Duration.ofDays(1);

    private final Retention retention;
    private final CodeService codes;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final TotpFactorDao apps;
    private final RememberedDeviceDao devices;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    RetentionJob(Retention retention, CodeService codes, AuditLog audit, RateLimiter limiter, TotpFactorDao apps,
                 RememberedDeviceDao devices, Clock clock) {
        this.retention = retention;
        this.codes = codes;
        this.audit = audit;
        this.limiter = limiter;
        this.apps = apps;
        this.devices = devices;
        this.clock = clock;
    }

    /** Purges now, then every {@link #PERIOD} until {@link #close()}. */
    RetentionJob start() {
        LOG.info("Retention: codes {} days, audit trail {} days (enrollment and phone changes kept), rate events"
                + " {} days; purged now and every {} min", retention.challenges().toDays(), retention.audit().toDays(),
                RateLimiter.KEEP.toDays(), PERIOD.toMinutes());
        run();
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "twostep-retention");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass. A failure is logged and the next pass tries again (a scheduled task that throws is never rerun). */
    @Override
    public void run() {
        Instant now = clock.instant();
        try {
            long challenges = codes.purgeSentBefore(now.minus(retention.challenges()));
            long events = audit.purgeBefore(now.minus(retention.audit()));
            long rates = limiter.purge(now);
            long unconfirmed = apps.purgeUnconfirmedBefore(now.minus(UNCONFIRMED_APPS).toEpochMilli());
            long ended = devices.purgeEndedBefore(now.minus(retention.challenges()).toEpochMilli());
            if (challenges + events + rates + unconfirmed + ended > 0) {
                LOG.info("Retention: deleted {} codes, {} audit events, {} rate events, {} authenticator apps never"
                        + " confirmed and {} remembered devices that ended", challenges, events, rates, unconfirmed, ended);
            }
        } catch (RuntimeException e) {
            LOG.warn("Retention: purging old rows failed, trying again in {} min: {}", PERIOD.toMinutes(),
                    e.toString());
        }
    }

    /** Stops the thread, waiting a little for a pass under way so it does not outlive the pool. */
    @Override
    public void close() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Retention: a purge was still running at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: whether the periodic thread has stopped. */
    boolean stopped() {
        return scheduler != null && scheduler.isTerminated();
    }
}
