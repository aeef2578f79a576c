package dev.twostep.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.password4j.Argon2Function;

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
     * The app's own PasswordHasher when its constructor (memory KiB, iterations) and check(password, hash)
     * are there (package-private, so by reflection, which also keeps this benchmark compiling when that
     * class changes); else Password4j directly, as that class does today.
     */
    private static Check checker(String storedHash, String[] how) {
        Matcher m = Pattern.compile("m=(\\d+),t=(\\d+)").matcher(storedHash);
        try {
            if (!m.find()) {
                throw new IllegalArgumentException("no m= and t= in the stored hash");
            }
            Class<?> type = Class.forName("dev.twostep.app.PasswordHasher");
            Constructor<?> make = type.getDeclaredConstructor(int.class, int.class);
            make.setAccessible(true);
            Object hasher = make.newInstance(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            Method check = type.getDeclaredMethod("check", String.class, String.class);
            check.setAccessible(true);
            how[0] = "dev.twostep.app.PasswordHasher.check";
            return password -> (Boolean) check.invoke(hasher, password, storedHash);
        } catch (ReflectiveOperationException | RuntimeException notUsable) {
            how[0] = "Password4j Argon2Function.check (PasswordHasher not usable: " + notUsable + ")";
            Argon2Function function = Argon2Function.getInstanceFromHash(storedHash);
            return password -> function.check(password, storedHash);
        }
    }
}
