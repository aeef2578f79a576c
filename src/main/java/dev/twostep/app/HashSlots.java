package dev.twostep.app;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code size} password hashes at once, each with a resource of its own (the memory Argon2 works
 * in), and a short first-come first-served queue for the others. Whoever waits longer than the queue wait
 * is refused with {@link HashingBusyException}, so memory for hashing is bounded by size times one hash's
 * memory however many requests arrive, and a burst costs some people a "try again" instead of an
 * OutOfMemoryError for everyone.
 *
 * <p>It also keeps the operator's figures, read through {@link PasswordHashingMXBean}: requests that took a
 * slot or were refused, their total wait, and the hashes computed in slots with their CPU time (the
 * hashing thread's own, from {@link ThreadMXBean#getCurrentThreadCpuTime}, when the JVM measures it).
 *
 * @param <R> what each slot holds for the hash computed in it
 */
final class HashSlots<R> {
    private static final Logger LOG = LoggerFactory.getLogger(HashSlots.class);
    private static final long LOG_EVERY_MILLIS = 60_000;

    private final int size;
    private final Semaphore permits;
    /** One resource per permit: whoever holds a permit finds one here. */
    private final Queue<R> free = new ConcurrentLinkedQueue<>();
    private final long waitNanos;
    private final Duration retryAfter;
    private final AtomicLong lastLog = new AtomicLong();
    private final AtomicInteger refusedSinceLog = new AtomicInteger();
    private final LongAdder entered = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder waitedNanos = new LongAdder();
    private final LongAdder hashes = new LongAdder();
    private final LongAdder hashCpuNanos = new LongAdder();
    /** Null when this JVM cannot tell a thread's CPU time (or it was switched off at start-up). */
    private final ThreadMXBean cpuClock = threadCpuClock();

    /**
     * @param size how many hashes may run at once
     * @param queueWait how long a request may wait for a slot; zero refuses at once when all are taken
     * @param resource makes the resource of each slot (called {@code size} times, now)
     */
    HashSlots(int size, Duration queueWait, Supplier<R> resource) {
        if (size < 1 || queueWait.isNegative()) {
            throw new IllegalArgumentException("at least one slot and a wait of zero or more");
        }
        this.size = size;
        // Fair: under load the queue is served in arrival order, so no request waits out its whole queue
        // wait while later ones overtake it.
        this.permits = new Semaphore(size, true);
        for (int i = 0; i < size; i++) {
            free.add(resource.get());
        }
        this.waitNanos = queueWait.toNanos();
        this.retryAfter = Duration.ofSeconds(Math.max(1, (queueWait.toMillis() + 999) / 1000));
    }

    /**
     * Takes a slot, waiting at most the queue wait; close it (try-with-resources) as soon as the hashing is
     * done.
     *
     * @throws HashingBusyException when none came free in time; nothing is held then
     */
    Slot enter() throws HashingBusyException {
        boolean got;
        long start = System.nanoTime();
        try {
            // With a timeout, even zero, a fair semaphore keeps the queue's order; tryAcquire() would barge.
            got = permits.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            got = false;
        }
        waitedNanos.add(System.nanoTime() - start);
        if (!got) {
            refused.increment();
            noteRefusal();
            throw new HashingBusyException(retryAfter);
        }
        R resource = free.poll();
        if (resource == null) {
            permits.release();
            throw new IllegalStateException("a hashing slot without its resource");
        }
        entered.increment();
        return new Slot(resource);
    }

    /** Slots free right now. */
    int available() {
        return permits.availablePermits();
    }

    /** Requests waiting for a slot right now (an estimate, as the JDK counts them). */
    int queued() {
        return permits.getQueueLength();
    }

    /** How many slots there are. */
    int size() {
        return size;
    }

    /** Requests that got a slot so far. */
    long entered() {
        return entered.sum();
    }

    /** Requests refused for want of a free slot so far (each answered 503). */
    long refused() {
        return refused.sum();
    }

    /** Nanoseconds all requests so far spent waiting for a slot, the refused ones' whole wait included. */
    long waitedNanos() {
        return waitedNanos.sum();
    }

    /** Hashes computed in slots so far ({@link Slot#hash}). */
    long hashes() {
        return hashes.sum();
    }

    /**
     * CPU time the hashing threads spent in those hashes, in nanoseconds; -1 when this JVM does not measure
     * a thread's CPU time.
     */
    long hashCpuNanos() {
        return cpuClock == null ? -1 : hashCpuNanos.sum();
    }

    /** True when {@link #hashCpuNanos} is measured. */
    boolean measuresCpu() {
        return cpuClock != null;
    }

    private static ThreadMXBean threadCpuClock() {
        try {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled() ? threads : null;
        } catch (RuntimeException | Error unavailable) {
            // java.management left out of a trimmed runtime, or a security manager's refusal: no figures then.
            return null;
        }
    }

    /** One line a minute at most, with the count since the last one: a flood must not flood the log too. */
    private void noteRefusal() {
        refusedSinceLog.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_MILLIS && lastLog.compareAndSet(last, now)) {
            LOG.warn("Password hashing is busy: {} request(s) answered 503 since the last such line ({} slots, queue"
                    + " wait {} ms; see twostep.password.max-concurrent)", refusedSinceLog.getAndSet(0), size,
                    TimeUnit.NANOSECONDS.toMillis(waitNanos));
        }
    }

    /** A taken slot. For the thread that took it only; closing it twice gives it back once. */
    final class Slot implements AutoCloseable {
        private R resource;

        private Slot(R resource) {
            this.resource = resource;
        }

        /** The slot's resource, while the slot is held. */
        R resource() {
            if (resource == null) {
                throw new IllegalStateException("the hashing slot was already given back");
            }
            return resource;
        }

        /**
         * Runs one hash in this slot, counting it and the CPU time this thread spent in it (the work of one
         * hash only: none of the queue, the database or the page).
         */
        <T> T hash(Supplier<T> work) {
            resource();
            long cpu0 = cpuClock == null ? 0 : cpuClock.getCurrentThreadCpuTime();
            try {
                return work.get();
            } finally {
                if (cpuClock != null) {
                    long cpu1 = cpuClock.getCurrentThreadCpuTime();
                    if (cpu0 >= 0 && cpu1 >= cpu0) {
                        hashCpuNanos.add(cpu1 - cpu0);
                    }
                }
                hashes.increment();
            }
        }

        @Override
        public void close() {
            if (resource != null) {
                free.add(resource);
                resource = null;
                permits.release();
            }
        }
    }
}
