package dev.twostep.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * The hash-bound limit: how many password checks per second this machine does at the parameters the
 * server stored (read from a hash it wrote), with one thread per core, in the benchmark's own process. A
 * sign-in does exactly one such check, so no server can sign in more people per second than this.
 */
final class HashBound {
    private static final Pattern PARAMS = Pattern.compile("\\$(argon2[a-z]*)\\$v=\\d+\\$(m=\\d+,t=\\d+,p=\\d+)\\$");

    /**
     * @param how the code that did the checks
     * @param cpuMillisPerHash the benchmark process's CPU time per check, garbage collection included
     * @param threadCpuMillisPerHash the checking threads' own CPU time per check
     */
    record Result(String how, String params, int threads, double seconds, long hashes, double perSecond,
                  double cpuMillisPerHash, double threadCpuMillisPerHash) {
    }

    private interface Check {
        boolean check(String password) throws Exception;
    }

    private HashBound() {
    }

    /**
     * The same measurement in a JVM of its own with these options (the server's), on the benchmark's class
     * path: what a check costs depends on the heap it allocates its memory in, and the benchmark's own JVM
     * (Maven's, default heap: a quarter of the machine's memory) is not the server's.
     */
    static Result measureInJvm(List<String> jvmOptions, String password, String storedHash, int threads,
                               Duration duration) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), HashBound.class.getName(), password, storedHash,
                String.valueOf(threads), String.valueOf(duration.toMillis())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("RESULT (\\S+) (\\S+) (\\S+) (\\S+) (.*)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("the hash-bound JVM said:\n" + out);
        }
        long hashes = Long.parseLong(m.group(1));
        double seconds = Double.parseDouble(m.group(2));
        Matcher params = PARAMS.matcher(storedHash);
        return new Result(m.group(5) + ", in a JVM with " + String.join(" ", jvmOptions),
                params.find() ? params.group(1) + " " + params.group(2) : "unknown parameters", threads, seconds, hashes,
                hashes / seconds, Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)));
    }

    /** For {@link #measureInJvm}: password, stored hash, threads, milliseconds; prints one RESULT line. */
    public static void main(String[] args) throws Exception {
        Result r = measure(args[0], args[1], Integer.parseInt(args[2]), Duration.ofMillis(Long.parseLong(args[3])));
        System.out.println(String.format(java.util.Locale.ROOT, "RESULT %d %.3f %.3f %.3f %s", r.hashes(), r.seconds(),
                r.cpuMillisPerHash(), r.threadCpuMillisPerHash(), r.how()));
    }

    /** This JVM's class path, or under exec:java the project's, from the class loader that loaded this class. */
    private static String classPath() {
        if (HashBound.class.getClassLoader() instanceof java.net.URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (java.net.URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    // Not a file: not for a class path.
                }
            }
            return String.join(java.io.File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    static Result measure(String password, String storedHash, int threads, Duration duration) throws Exception {
        Matcher params = PARAMS.matcher(storedHash);
        String described = params.find() ? params.group(1) + " " + params.group(2) : "unknown parameters";
        String[] how = new String[1];
        Check check = checker(storedHash, how);
        if (!check.check(password)) {
            throw new IllegalStateException("the password does not match the stored hash with " + how[0]);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hash-bound");
            t.setDaemon(true);
            return t;
        });
        // Warm-up, a third as long as the measurement, on every thread: the first checks run interpreted
        // (in a new JVM a check can take five times as long as later).
        long warm = System.nanoTime() + duration.toNanos() / 3;
        List<Future<?>> warming = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            warming.add(pool.submit(() -> {
                while (System.nanoTime() < warm) {
                    check.check(password);
                }
                return null;
            }));
        }
        for (Future<?> f : warming) {
            f.get();
        }
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Future<long[]>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            parts.add(pool.submit(() -> {
                long threadCpu = mx.getCurrentThreadCpuTime();
                long n = 0;
                while (System.nanoTime() < end) {
                    check.check(password);
                    n++;
                }
                return new long[] {n, mx.getCurrentThreadCpuTime() - threadCpu};
            }));
        }
        long hashes = 0;
        long threadCpu = 0;
        for (Future<long[]> f : parts) {
            long[] r = f.get();
            hashes += r[0];
            threadCpu += r[1];
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        pool.shutdown();
        return new Result(how[0], described, threads, seconds, hashes, hashes / seconds, cpu / 1e6 / hashes,
                threadCpu / 1e6 / hashes);
    }

    /**
     * Checks a stored Argon2id hash (PHC string) the way dev.twostep.app.PasswordHasher does: Bouncy Castle's
     * generator with a block pool of its own per hashing thread (the app keeps one per hashing slot), so
     * a check allocates next to nothing.
     */
    private static Check checker(String storedHash, String[] how) {
        Matcher m = Pattern.compile("\\$argon2id\\$v=19\\$m=(\\d+),t=(\\d+),p=1\\$([^$]+)\\$([^$]+)").matcher(storedHash);
        if (!m.find()) {
            throw new IllegalArgumentException("not an argon2id v=19 p=1 hash: " + storedHash);
        }
        int memoryKib = Integer.parseInt(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        byte[] salt = java.util.Base64.getDecoder().decode(m.group(3));
        byte[] expected = java.util.Base64.getDecoder().decode(m.group(4));
        int blocks = org.bouncycastle.crypto.generators.Argon2BytesGenerator.getBlockCount(memoryKib, 1);
        ThreadLocal<org.bouncycastle.crypto.generators.Argon2BytesGenerator.FixedBlockPool> pools =
                ThreadLocal.withInitial(() -> new org.bouncycastle.crypto.generators.Argon2BytesGenerator.FixedBlockPool(blocks));
        how[0] = "Bouncy Castle Argon2BytesGenerator with a block pool per thread, as dev.twostep.app.PasswordHasher";
        return password -> {
            var generator = new org.bouncycastle.crypto.generators.Argon2BytesGenerator();
            generator.init(new org.bouncycastle.crypto.params.Argon2Parameters.Builder(
                    org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_id)
                    .withVersion(org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_VERSION_13)
                    .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(1).withSalt(salt)
                    .withBlockPool(pools.get()).build());
            byte[] out = new byte[expected.length];
            generator.generateBytes(password.getBytes(java.nio.charset.StandardCharsets.UTF_8), out);
            return java.security.MessageDigest.isEqual(out, expected);
        };
    }
}
