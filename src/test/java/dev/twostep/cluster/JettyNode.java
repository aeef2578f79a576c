package dev.twostep.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Twostep server: the Jetty 12 distribution that {@code mvn verify} unpacks, on a base of its own with the
 * WAR in webapps/, its sessions in Jetty's JDBC session data store, in its own JVM on a loopback port. The
 * process started is the JVM that serves (start.jar forks none for these modules: checked at start), so
 * {@link #kill()} is a kill -9 of the server itself.
 */
final class JettyNode implements AutoCloseable {
    /** The Jetty modules of a node whose sessions stay in its memory (behind a sticky load balancer). */
    static final String MODULES = "http,forwarded,ee10-deploy";
    /** The modules of a node whose sessions are in PostgreSQL, for any node to serve any request. */
    static final String SHARED_SESSION_MODULES = MODULES + ",ext,session-cache-null,session-store-jdbc";

    final String name;
    final int port;
    /** The context path of the web app the node serves: /twostep for the WAR. */
    final String context;
    private final Path base;
    private final Map<String, String> env;
    private Process process;

    private JettyNode(String name, Path base, int port, String context, Map<String, String> env) {
        this.name = name;
        this.context = context;
        this.base = base;
        this.port = port;
        this.env = env;
    }

    static Path jettyHome() {
        String home = System.getProperty("twostep.jetty.home");
        if (home == null || !Files.isDirectory(Path.of(home))) {
            throw new AssertionError("No Jetty at " + home + " (twostep.jetty.home): run through `mvn verify`, which"
                    + " unpacks it in pre-integration-test");
        }
        return Path.of(home);
    }

    /**
     * A Jetty base in {@code dir} with the web app that {@code webapp} puts into it (the WAR as
     * webapps/twostep.war, or a host app). With a session store (not null): the modules of
     * {@link #SHARED_SESSION_MODULES}, its settings in start.d/session-store-jdbc.ini and the PostgreSQL driver in
     * lib/ext; without: the modules of {@link #MODULES}.
     */
    static void makeBase(Path dir, Cluster.Webapp webapp, Path pgDriver, String sessionStoreIni) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        Process setup = new ProcessBuilder(java(), "-jar", jettyHome().resolve("start.jar").toString(),
                "--add-modules=" + (sessionStoreIni == null ? MODULES : SHARED_SESSION_MODULES))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("setup.log").toFile())
                .start();
        try {
            if (!setup.waitFor(60, TimeUnit.SECONDS) || !Files.exists(dir.resolve("start.d/ee10-deploy.ini"))) {
                throw new AssertionError("Jetty base set-up failed:\n" + Files.readString(dir.resolve("setup.log")));
            }
        } finally {
            setup.destroy();
        }
        if (sessionStoreIni != null) {
            Files.writeString(dir.resolve("start.d/session-store-jdbc.ini"), sessionStoreIni);
            Files.createDirectories(dir.resolve("lib/ext"));
            Files.copy(pgDriver, dir.resolve("lib/ext").resolve(pgDriver.getFileName()),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(dir.resolve("webapps"));
        webapp.deployInto(dir);
    }

    /**
     * A node on a copy of the base {@code template}, in {@code dir}, serving the web app at {@code context};
     * not started yet.
     */
    static JettyNode on(String name, Path template, Path dir, String context, Map<String, String> env)
            throws IOException {
        deleteTree(dir);
        try (Stream<Path> files = Files.walk(template)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = dir.resolve(template.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        Files.createDirectories(dir.resolve("data"));
        return new JettyNode(name, dir, freePort(), context, env);
    }

    /** Starts the JVM (again, after a kill: same port, same base, the log goes on). */
    void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m",
                "-jar", jettyHome().resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + port, "jetty.httpConfig.sendServerVersion=false",
                // The node's name in session ids (id.node1) and in the sessions table's lastNode column.
                "jetty.sessionIdManager.workerName=" + name));
        ProcessBuilder pb = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TWOSTEP_") || k.startsWith("TWILIO_"));
        pb.environment().putAll(env);
        pb.environment().put("TWOSTEP_DATA_DIR", base.resolve("data").toString());
        Process started = pb.start();
        // Not left running when the test JVM ends before close() (a failed start-up, a killed build).
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        process = started;
    }

    /** The node's JVM (start.jar forks none). */
    long pid() {
        return process.pid();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + context + path;
    }

    /** Waits until the login page answers 200, or fails with the end of the node's log. */
    void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (log().contains("Failed startup of context")) {
                throw new AssertionError(name + ": the WAR did not start:\n" + logTail());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url("/twostep/static/favicon.svg")))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    if (process.descendants().findAny().isPresent()) {
                        throw new AssertionError(name + ": start.jar forked a JVM, so killing it would kill a wrapper");
                    }
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

    /** kill -9 of the server's JVM: no shutdown hooks, no session written out, connections cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die");
        }
    }

    String log() throws IOException {
        return Files.readString(logFile(), StandardCharsets.UTF_8);
    }

    String logTail() throws IOException {
        if (!Files.exists(logFile())) {
            return "(no log)";
        }
        String all = log();
        return all.substring(Math.max(0, all.length() - 6000));
    }

    private Path logFile() {
        return base.resolve("node.log");
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
}
