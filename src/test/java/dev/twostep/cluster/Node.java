package dev.twostep.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Twostep server of a {@link Cluster}: a servlet container (Jetty 12 in {@link JettyNode}, Tomcat 10.1 in
 * {@link TomcatNode}) in its own folder and its own JVM on a loopback port, serving the web app at
 * {@link #context}. The process started is the JVM that serves, so {@link #kill()} is a kill -9 of the server
 * itself. Its output goes to node.log in its folder, appended across restarts.
 */
abstract class Node implements AutoCloseable {
    final String name;
    final int port;
    /** The context path of the web app the node serves: /twostep for the WAR. */
    final String context;
    /** The node's own folder: its Jetty base or CATALINA_BASE. */
    final Path dir;
    private final Map<String, String> env;
    private Process process;

    Node(String name, Path dir, int port, String context, Map<String, String> env) {
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.context = context;
        this.env = env;
    }

    /** The command line that starts the server's JVM in {@link #dir}. */
    abstract List<String> command();

    /** What in the node's log says that the web app failed to start, or null when nothing does. */
    abstract String startupFailure(String log);

    /** Checks made once the node answers (JettyNode: that start.jar forked no JVM). */
    void checkStarted() {
    }

    /** Starts the JVM (again, after a kill: same port, same folder, the log goes on). */
    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TWOSTEP_") || k.startsWith("TWILIO_"));
        pb.environment().putAll(env);
        pb.environment().put("TWOSTEP_DATA_DIR", dir.resolve("data").toString());
        Files.createDirectories(dir.resolve("data"));
        Process started = pb.start();
        // Not left running when the test JVM ends before close() (a failed start-up, a killed build).
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        process = started;
    }

    /** The node's JVM. */
    long pid() {
        return process.pid();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + context + path;
    }

    /** Waits until the app's favicon answers 200 (the WAR has started), or fails with the end of the log. */
    void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            String failure = startupFailure(log());
            if (failure != null) {
                throw new AssertionError(name + ": the web app did not start (" + failure + "):\n" + logTail());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url("/twostep/static/favicon.svg")))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    checkStarted();
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " did not answer in " + timeout + ":\n" + logTail());
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The JVM's process, for checks on it. */
    Process process() {
        return process;
    }

    /** kill -9 of the server's JVM: no shutdown hooks, no session written out, connections cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die");
        }
    }

    /** A graceful stop (SIGTERM: the container's shutdown hook stops it), waiting for the JVM to end. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(name + " did not stop in 30 s");
            }
        }
    }

    String log() throws IOException {
        return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "";
    }

    String logTail() throws IOException {
        if (!Files.exists(logFile())) {
            return "(no log)";
        }
        String all = log();
        return all.substring(Math.max(0, all.length() - 6000));
    }

    Path logFile() {
        return dir.resolve("node.log");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Copies the folder {@code from} to {@code to} (made if missing). */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
