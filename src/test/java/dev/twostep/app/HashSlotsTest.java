package dev.twostep.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HashSlotsTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** Waits until this many threads are queued for a slot, so that a test knows the queue's order. */
    private static void awaitQueued(HashSlots<?> slots, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.queued() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + slots.queued() + " of " + n + " threads queued");
            }
            Thread.sleep(1);
        }
    }

    @Test
    void withNoQueueWaitTheHashAfterTheLastSlotIsRefused() throws Exception {
        int n = 3;
        HashSlots<Object> slots = new HashSlots<>(n, Duration.ZERO, Object::new);
        // N + 1 hashes at once: each holds its slot until all have tried.
        CyclicBarrier allTried = new CyclicBarrier(n + 1);
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> hashes = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            hashes.add(threads.submit(() -> {
                try (var slot = slots.enter()) {
                    slot.resource();
                    allTried.await(10, TimeUnit.SECONDS);
                } catch (HashingBusyException e) {
                    refused.incrementAndGet();
                    assertEquals(Duration.ofSeconds(1), e.retryAfter(), "at least a second, never zero");
                    allTried.await(10, TimeUnit.SECONDS);
                }
                return null;
            }));
        }
        for (Future<?> hash : hashes) {
            hash.get(10, TimeUnit.SECONDS);
        }
        assertEquals(1, refused.get());
        assertEquals(n, slots.available(), "every slot came back");
    }

    @Test
    void eachHeldSlotHasAResourceOfItsOwn() throws Exception {
        HashSlots<Object> slots = new HashSlots<>(2, Duration.ZERO, Object::new);
        try (var a = slots.enter(); var b = slots.enter()) {
            assertNotSame(a.resource(), b.resource());
            assertThrows(HashingBusyException.class, slots::enter);
        }
        var again = slots.enter();
        again.close();
        assertThrows(IllegalStateException.class, again::resource, "a slot given back lends nothing");
    }

    @Test
    void aSlotGivenBackGoesToTheOneWaitingNotToANewcomer() throws Exception {
        HashSlots<Object> slots = new HashSlots<>(1, Duration.ofSeconds(10), Object::new);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        var held = slots.enter();
        Future<?> waiting = threads.submit(() -> {
            try (var slot = slots.enter()) {
                order.add("waiting");
            }
            return null;
        });
        awaitQueued(slots, 1);
        held.close();
        // Straight after giving it back, this thread asks again: it must queue behind the one waiting.
        try (var slot = slots.enter()) {
            order.add("newcomer");
        }
        waiting.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("waiting", "newcomer"), order);
    }

    @Test
    void theQueueIsServedInArrivalOrder() throws Exception {
        HashSlots<Object> slots = new HashSlots<>(1, Duration.ofSeconds(10), Object::new);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> waiting = new ArrayList<>();
        try (var held = slots.enter()) {
            for (int i = 0; i < 5; i++) {
                int arrival = i;
                waiting.add(threads.submit(() -> {
                    try (var slot = slots.enter()) {
                        order.add(arrival);
                    }
                    return null;
                }));
                awaitQueued(slots, i + 1);
            }
        }
        for (Future<?> w : waiting) {
            w.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void aWaitThatRunsOutIsRefusedAndHoldsNothing() throws Exception {
        HashSlots<Object> slots = new HashSlots<>(1, Duration.ofMillis(50), Object::new);
        try (var held = slots.enter()) {
            long start = System.nanoTime();
            HashingBusyException e = assertThrows(HashingBusyException.class, slots::enter);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "it waited the queue wait");
            assertEquals(Duration.ofSeconds(1), e.retryAfter());
        }
        assertEquals(1, slots.available());
        assertEquals(Duration.ofSeconds(3), assertThrows(HashingBusyException.class, () -> {
            HashSlots<Object> longer = new HashSlots<>(1, Duration.ofMillis(2500), Object::new);
            try (var held = longer.enter()) {
                Thread.currentThread().interrupt();
                longer.enter();
            }
        }).retryAfter(), "Retry-After is the queue wait, rounded up to whole seconds");
        assertTrue(Thread.interrupted(), "an interrupted wait is refused and keeps the interrupt");
    }

    @Test
    void noSlotIsLostToFailedHashesOrToClosingTwice() throws Exception {
        int n = 2;
        HashSlots<Object> slots = new HashSlots<>(n, Duration.ofSeconds(10), Object::new);
        CountDownLatch done = new CountDownLatch(200);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            int task = i;
            threads.submit(() -> {
                try (var slot = slots.enter()) {
                    slot.resource();
                    if (task % 2 == 0) {
                        throw new IllegalStateException("the hash failed");
                    }
                    if (task % 3 == 0) {
                        throw new OutOfMemoryError("as Password4j threw under load");
                    }
                } catch (HashingBusyException | RuntimeException | Error e) {
                    failed.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertTrue(failed.get() >= 100, "the failures happened: " + failed.get());
        assertEquals(n, slots.available());

        var slot = slots.enter();
        slot.close();
        slot.close();
        assertEquals(n, slots.available(), "closing twice gives the slot back once");
        try (var a = slots.enter(); var b = slots.enter()) {
            assertEquals(0, slots.available(), "no extra slot either");
        }
    }

    /** CPU work that the JIT cannot drop: a few million rounds of a hash-like mix. */
    private static long burn() {
        long x = System.nanoTime();
        for (int i = 0; i < 5_000_000; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            x ^= x >>> 29;
        }
        return x;
    }

    @Test
    void itCountsSlotsTakenRefusalsHashesAndTheirCpuTime() throws Exception {
        HashSlots<Object> slots = new HashSlots<>(1, Duration.ofMillis(20), Object::new);
        boolean measured = ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported()
                && ManagementFactory.getThreadMXBean().isThreadCpuTimeEnabled();
        assertEquals(measured, slots.measuresCpu());
        assertEquals(measured ? 0 : -1, slots.hashCpuNanos());
        assertEquals(List.of(0L, 0L, 0L, 0L), List.of(slots.entered(), slots.refused(), slots.hashes(),
                slots.waitedNanos()));

        long cpu = 0;
        for (int i = 1; i <= 3; i++) {
            try (var slot = slots.enter()) {
                slot.hash(HashSlotsTest::burn);
            }
            assertEquals(i, slots.hashes());
            if (measured) {
                assertTrue(slots.hashCpuNanos() > cpu, "each hash adds its CPU time: " + slots.hashCpuNanos());
                cpu = slots.hashCpuNanos();
            }
        }
        try (var slot = slots.enter()) {
            // Held without hashing: a slot taken is no hash.
            assertThrows(HashingBusyException.class, slots::enter);
        }
        assertEquals(4, slots.entered());
        assertEquals(1, slots.refused());
        assertEquals(3, slots.hashes(), "only work run through Slot.hash counts as a hash");
        assertTrue(slots.waitedNanos() >= TimeUnit.MILLISECONDS.toNanos(20), "the refused one waited its 20 ms");
        assertEquals(measured ? cpu : -1, slots.hashCpuNanos(), "no CPU time counted outside a hash");

        var slot = slots.enter();
        assertThrows(IllegalStateException.class, () -> slot.hash(() -> {
            throw new IllegalStateException("the hash failed");
        }));
        assertEquals(4, slots.hashes(), "a failed hash counts, it cost its time too");
        slot.close();
        assertThrows(IllegalStateException.class, () -> slot.hash(HashSlotsTest::burn), "not in a slot given back");
        assertEquals(4, slots.hashes());
        assertFalse(slots.hashes() > slots.entered());
    }
}
