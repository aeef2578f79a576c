package dev.twostep.app;

import java.time.Duration;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;

/**
 * How the standalone app hashes passwords: Argon2id's cost (p=1 always) and how many hashes may run at
 * once. Parsed once at start-up by {@link AppListener}; a host app with its own login never reads them.
 *
 * @param memoryKib Argon2id memory per hash in KiB ({@code twostep.password.memory-kib}, default
 *        {@value #DEFAULT_MEMORY_KIB})
 * @param iterations Argon2id passes ({@code twostep.password.iterations}, default {@value #DEFAULT_ITERATIONS})
 * @param maxConcurrent hashes computed at once ({@code twostep.password.max-concurrent}, default the number of
 *        processors the JVM sees)
 * @param queueWait how long a request waits for a hashing slot before it is answered 503
 *        ({@code twostep.password.queue-wait-ms}, default 2000 ms, 0 to 30000)
 */
record PasswordSettings(int memoryKib, int iterations, int maxConcurrent, Duration queueWait) {
    /**
     * OWASP Password Storage Cheat Sheet: Argon2id parameter sets of equal strength, {memory KiB,
     * iterations}, all with p=1. A configured pair must be at least as strong as one of them.
     */
    static final int[][] OWASP = {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};
    /** OWASP's m=7 MiB, t=5 (Keycloak's default too): the most hashes per core on this project's machine. */
    static final int DEFAULT_MEMORY_KIB = 7168;
    static final int DEFAULT_ITERATIONS = 5;
    static final int DEFAULT_QUEUE_WAIT_MS = 2000;

    static PasswordSettings from(Settings s) {
        int memoryKib = s.getInt("twostep.password.memory-kib", DEFAULT_MEMORY_KIB, 1, 1 << 22);
        int iterations = s.getInt("twostep.password.iterations", DEFAULT_ITERATIONS, 1, 100);
        int least = OWASP[OWASP.length - 1][0];
        if (memoryKib < least) {
            throw new ConfigException("twostep.password.memory-kib", "must be at least " + least
                    + " (7 MiB, OWASP's least memory for Argon2id, with 5 or more iterations), got " + memoryKib
                    + ". " + owaspSets());
        }
        if (memoryKib < floorKib(iterations)) {
            int needed = 1;
            while (floorKib(needed) > memoryKib) {
                needed++;
            }
            throw new ConfigException("twostep.password.iterations", "with twostep.password.memory-kib=" + memoryKib
                    + " must be at least " + needed + " (or raise the memory to " + floorKib(iterations)
                    + " KiB), got " + iterations + ": weaker than OWASP's minimum. " + owaspSets());
        }
        int processors = Runtime.getRuntime().availableProcessors();
        return new PasswordSettings(memoryKib, iterations,
                s.getInt("twostep.password.max-concurrent", processors, 1, 1024),
                Duration.ofMillis(s.getInt("twostep.password.queue-wait-ms", DEFAULT_QUEUE_WAIT_MS, 0, 30_000)));
    }

    /**
     * The least memory that makes this many iterations as strong as OWASP's set with as many (the set with
     * 5 for more): memory times iterations is then at least that set's, and memory at least 7 MiB.
     */
    static int floorKib(int iterations) {
        for (int i = OWASP.length - 1; i >= 0; i--) {
            if (iterations >= OWASP[i][1]) {
                return OWASP[i][0];
            }
        }
        return Integer.MAX_VALUE;
    }

    private static String owaspSets() {
        StringBuilder b = new StringBuilder("OWASP's equivalent sets are");
        for (int[] set : OWASP) {
            b.append(set == OWASP[0] ? " " : ", ").append("m=").append(set[0]).append(" t=").append(set[1]);
        }
        return b.append(" (p=1)").toString();
    }

    /** Memory all hashing slots may hold at once, in KiB: the bound that the slots put on hashing. */
    long boundKib() {
        return (long) maxConcurrent * memoryKib;
    }

    /** For the start-up log line. */
    String describe() {
        return "argon2id(m=" + memoryKib + "KiB,t=" + iterations + ",p=1), maxConcurrent=" + maxConcurrent
                + ", queueWait=" + queueWait.toMillis() + "ms, hashing memory at most " + (boundKib() >> 10) + " MiB";
    }
}
