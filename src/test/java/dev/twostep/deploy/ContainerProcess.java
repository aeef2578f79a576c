package dev.twostep.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real servlet container (Tomcat or Jetty distribution) in its own process, with its output in a file,
 * so a test can wait for it, read the DEV DELIVERY lines it logs, and stop it.
 */
final class ContainerProcess implements AutoCloseable {
    /**
     * The deployment walks resend at once and share one test number; the send intervals are tested
     * elsewhere (dev.twostep.attack), so the deployed apps run without them.
     */
    private static final Map<String, String> NO_SEND_INTERVALS = Map.of(
            "TWOSTEP_LIMITS_USER_INTERVAL_SECONDS", "0",
            "TWOSTEP_LIMITS_NUMBER_INTERVAL_SECONDS", "0",
            "TWOSTEP_LIMITS_ADDRESS_INTERVAL_SECONDS", "0",
            "TWOSTEP_LIMITS_NUMBER_NEW_SENDS_PER_DAY", "1000",
            "TWOSTEP_LIMITS_USER_SENDS_PER_DAY", "1000");

    /**
     * The environment of a deployed app: these variables, without the send intervals, and with codes written
     * to the log (console delivery, asked for by name), where the walks read them.
     */
    static Map<String, String> environment(Map<String, String> variables) {
        Map<String, String> all = new java.util.HashMap<>(NO_SEND_INTERVALS);
        all.put("TWOSTEP_DELIVERY", "console");
        all.putAll(variables);
        return all;
    }

    private static final Pattern DEV_CODE = Pattern.compile("DEV DELIVERY .* code ([0-9]{6,10}) ");

    private final Process process;
    private final Path log;
    private int codesSeen;

    private ContainerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ContainerProcess start(List<String> command, Path workDir, Map<String, String> env, Path log)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TWOSTEP_") || k.startsWith("TWILIO_"));
        pb.environment().putAll(env);
        return new ContainerProcess(pb.start(), log);
    }

    /** Waits until the URL answers 200, or fails with the container's log. */
    void awaitReady(String url, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the container exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(500);
        }
        throw new AssertionError(url + " did not answer 200 in " + timeout + ":\n" + output());
    }

    /** The code of the next DEV DELIVERY line this container logs. */
    String nextCode() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Matcher m = DEV_CODE.matcher(output());
            int seen = 0;
            String code = null;
            while (m.find()) {
                seen++;
                if (seen == codesSeen + 1) {
                    code = m.group(1);
                }
            }
            if (code != null) {
                codesSeen++;
                return code;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no new DEV DELIVERY line:\n" + output());
    }

    String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static Path home(String property) {
        String home = System.getProperty(property);
        if (home == null || !Files.isDirectory(Path.of(home))) {
            throw new AssertionError("No container at " + home + " (" + property + "): run through `mvn verify`,"
                    + " which unpacks it in pre-integration-test");
        }
        return Path.of(home);
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
