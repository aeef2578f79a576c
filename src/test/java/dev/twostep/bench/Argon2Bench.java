package dev.twostep.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Argon2id implementations and OWASP's equivalent parameter sets, measured on this machine: with 1 and with 2
 * hashing threads, hashes per second of wall-clock time, the process's CPU time per hash (hashing, garbage
 * collection and JIT threads together) and hashes per CPU-second ("per core", the figure that decides: on a
 * machine shared with other work the wall-clock rate moves with their load, CPU time much less), the
 * collector's pause time per hash, and the memory each hash allocates. Each hash is what a registration
 * does: a random 16-byte salt, a 32-byte hash, the PHC string.
 *
 * <ul>
 *   <li>{@code password4j}: Password4j 1.8.4 (Twostep's library up to now);</li>
 *   <li>{@code bc}: Bouncy Castle's {@code Argon2BytesGenerator}, as Keycloak and Spring Security call it
 *       (a fresh block array per hash);</li>
 *   <li>{@code bc-pool}: the same with a block pool per thread ({@code FixedBlockPool}), so that a thread
 *       reuses its memory from one hash to the next instead of allocating it anew.</li>
 * </ul>
 *
 * <p>Run (docs/benchmarks.md, "Argon2id: implementation and parameters"): {@code MAVEN_OPTS=-Xmx256m mvn -q
 * test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.twostep.bench.Argon2Bench
 * [-Dexec.args="SECONDS ROUNDS"]}. Nothing here asserts a timing; it prints figures. Run it alone: it keeps
 * both cores busy.
 */
public final class Argon2Bench {
    /** OWASP Password Storage Cheat Sheet: Argon2id sets of equal strength, p=1 each. */
    static final int[][] OWASP = {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};
    private static final SecureRandom RANDOM = new SecureRandom();

    private Argon2Bench() {
    }

    /** One way to compute an Argon2id PHC string; a fresh instance per thread. */
    interface Hasher {
        String hash(String password);
    }

    enum Impl {
        PASSWORD4J, BC, BC_POOL;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        Hasher newHasher(int memoryKib, int iterations) {
            switch (this) {
                case PASSWORD4J: {
                    Argon2Function function = Argon2Function.getInstance(memoryKib, iterations, 1, 32, Argon2.ID,
                            Argon2Function.ARGON2_VERSION_13);
                    return password -> Password.hash(password).addRandomSalt(16).with(function).getResult();
                }
                case BC:
                    return password -> bouncyCastle(password, memoryKib, iterations, null);
                default: {
                    Argon2BytesGenerator.BlockPool pool = new Argon2BytesGenerator.FixedBlockPool(
                            Argon2BytesGenerator.getBlockCount(memoryKib, 1));
                    return password -> bouncyCastle(password, memoryKib, iterations, pool);
                }
            }
        }
    }

    static String bouncyCastle(String password, int memoryKib, int iterations, Argon2BytesGenerator.BlockPool pool) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Argon2Parameters.Builder builder = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(memoryKib).withIterations(iterations)
                .withParallelism(1).withSalt(salt);
        if (pool != null) {
            builder.withBlockPool(pool);
        }
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(builder.build());
        byte[] hash = new byte[32];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=1$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(hash);
    }

    /**
     * One cell's figures: hashes per wall-clock second, and the process's CPU time per hash (every thread:
     * the hashing ones, the garbage collector's, the JIT's) and of that the collector's pause time. On a
     * machine shared with other work the wall-clock rate moves with their load; CPU time per hash much
     * less, so "per core" is computed from it.
     */
    record Cell(double perSecond, double cpuMillisPerHash, double gcMillisPerHash) {
        double perCore() {
            return 1000 / cpuMillisPerHash;
        }
    }

    static Cell measure(Impl impl, int memoryKib, int iterations, int threads, long millis) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        LongAdder done = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                Hasher hasher = impl.newHasher(memoryKib, iterations);
                while (!stop.get()) {
                    hasher.hash("correct horse battery staple");
                    if (counting.get()) {
                        done.increment();
                    }
                }
                finished.countDown();
            });
            t.setDaemon(true);
            t.start();
        }
        Thread.sleep(Math.max(500, millis / 4));
        long gcBefore = gcMillis();
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        counting.set(true);
        Thread.sleep(millis);
        counting.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMillis = (os.getProcessCpuTime() - cpuBefore) / 1e6;
        long gc = gcMillis() - gcBefore;
        stop.set(true);
        finished.await();
        long hashes = Math.max(1, done.sum());
        return new Cell(done.sum() / seconds, cpuMillis / hashes, gc / (double) hashes);
    }

    /** Bytes a hash allocates (after warm-up), as the JVM counts them for the current thread. */
    static double allocatedPerHash(Impl impl, int memoryKib, int iterations) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Hasher hasher = impl.newHasher(memoryKib, iterations);
        for (int i = 0; i < 3; i++) {
            hasher.hash("warm-up");
        }
        int n = 10;
        long before = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < n; i++) {
            hasher.hash("correct horse battery staple");
        }
        return (bean.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / (double) n;
    }

    static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** Each library's hash must check with the other, or the comparison means nothing. */
    static void checkCompatible() {
        String fromP4j = Impl.PASSWORD4J.newHasher(7168, 5).hash("pässwörd ✓");
        String fromBc = Impl.BC.newHasher(7168, 5).hash("pässwörd ✓");
        boolean p4jReadsBc = Argon2Function.getInstanceFromHash(fromBc).check("pässwörd ✓", fromBc);
        String salt = fromP4j.split("\\$")[4];
        String rehashed = bouncyCastleWithSalt("pässwörd ✓", Base64.getDecoder().decode(salt));
        boolean bcReadsP4j = rehashed.equals(fromP4j);
        System.out.printf("compatible: Password4j checks a Bouncy Castle hash: %s; Bouncy Castle recomputes a"
                + " Password4j hash: %s%n", p4jReadsBc, bcReadsP4j);
        if (!p4jReadsBc || !bcReadsP4j) {
            throw new IllegalStateException("the two libraries do not agree");
        }
    }

    private static String bouncyCastleWithSalt(String password, byte[] salt) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(7168).withIterations(5)
                .withParallelism(1).withSalt(salt).build());
        byte[] hash = new byte[32];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=7168,t=5,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Runtime runtime = Runtime.getRuntime();
        System.out.printf("Argon2Bench: %d s per cell, %d rounds, Java %s, %d cores, max heap %d MiB, GC %s%n",
                seconds, rounds, System.getProperty("java.version"), runtime.availableProcessors(),
                runtime.maxMemory() >> 20, ManagementFactory.getGarbageCollectorMXBeans().get(0).getName());
        checkCompatible();
        // JIT warm-up of every implementation before anything is counted.
        for (Impl impl : Impl.values()) {
            measure(impl, 7168, 5, 2, 3000);
        }
        System.out.println();
        System.out.println("impl        m KiB  t thr |  h/s wall | CPU ms/hash | h/s per core | GC ms/hash |"
                + " allocated/hash");
        for (int round = 1; round <= rounds; round++) {
            System.out.printf(Locale.ROOT, "-- round %d, load average %.1f%n", round,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            for (int[] set : OWASP) {
                for (Impl impl : Impl.values()) {
                    double allocated = allocatedPerHash(impl, set[0], set[1]);
                    for (int threads = 1; threads <= 2; threads++) {
                        Cell cell = measure(impl, set[0], set[1], threads, seconds * 1000L);
                        System.out.println(String.format(Locale.ROOT,
                                "%-10s %6d %2d %3d | %9.1f | %11.1f | %12.1f | %10.1f | %9.2f MiB", impl.label(),
                                set[0], set[1], threads, cell.perSecond(), cell.cpuMillisPerHash(), cell.perCore(),
                                cell.gcMillisPerHash(), allocated / (1 << 20)));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "-- end, load average %.1f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
