package dev.twostep.bench;

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
 * A servlet container from the distributions {@code mvn verify} unpacks into target/containers, in its own
 * process on a base made for it: Jetty 12 as in README "Deploying" (modules http and ee10-deploy, WARs in
 * webapps/), or Tomcat 10.1 as catalina.sh starts it. Reads the process's CPU time and memory from /proc.
 */
final class ServerProcess implements AutoCloseable {
    private static final long CLOCK_TICKS_PER_SECOND = clockTicks();

    private final Process process;
    private final long startedNanos;
    private final Path log;
    private final int port;
    private volatile long servingPid = -1;

    private ServerProcess(Process process, long startedNanos, Path log, int port) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
        this.port = port;
    }

    /** The jetty-home that {@code mvn verify} unpacked. */
    static Path jettyHome() throws IOException {
        return distribution("jetty-home-");
    }

    /** The Tomcat that {@code mvn verify} unpacked. */
    static Path tomcatHome() throws IOException {
        return distribution("apache-tomcat-");
    }

    private static Path distribution(String prefix) throws IOException {
        Path containers = Path.of("target/containers").toAbsolutePath();
        if (Files.isDirectory(containers)) {
            try (Stream<Path> dirs = Files.list(containers)) {
                var found = dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new IllegalStateException("no " + prefix + "* under " + containers + ": run `mvn -DskipTests verify` first"
                + " (src/bench/signin.sh does)");
    }

    /** A fresh Jetty base in {@code dir} with http and ee10-deploy, serving {@code war} as {@code webapps/name}. */
    static void makeJettyBase(Path dir, Path war, String name) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        Process setup = new ProcessBuilder(java(), "-jar", jettyHome().resolve("start.jar").toString(),
                "--add-modules=http,ee10-deploy")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("setup.log").toFile())
                .start();
        try {
            if (!setup.waitFor(60, TimeUnit.SECONDS) || !Files.exists(dir.resolve("start.d/ee10-deploy.ini"))) {
                throw new IllegalStateException("Jetty base set-up failed:\n"
                        + Files.readString(dir.resolve("setup.log")));
            }
        } finally {
            setup.destroy();
        }
        Files.createDirectories(dir.resolve("webapps"));
        Files.copy(war, dir.resolve("webapps").resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Starts the base with these JVM options and environment (nothing named TWOSTEP_* or TWILIO_* is
     * inherited from the benchmark's own environment), listening on 127.0.0.1 only.
     */
    static ServerProcess startJetty(Path base, List<String> jvmOptions, Map<String, String> env) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jettyHome().resolve("start.jar").toString(), "jetty.http.port=" + port,
                "jetty.http.host=127.0.0.1", "jetty.httpConfig.sendServerVersion=false"));
        return start(command, base, port, env);
    }

    /**
     * A fresh CATALINA_BASE in {@code dir} over the unpacked Tomcat: its conf/, the HTTP connector on a free
     * port of 127.0.0.1, no shutdown port. Returns the port.
     */
    static int makeTomcatBase(Path dir) throws IOException {
        deleteTree(dir);
        for (String sub : List.of("logs", "temp", "work", "webapps", "lib", "conf")) {
            Files.createDirectories(dir.resolve(sub));
        }
        try (Stream<Path> conf = Files.list(tomcatHome().resolve("conf"))) {
            for (Path f : (Iterable<Path>) conf::iterator) {
                Files.copy(f, dir.resolve("conf").resolve(f.getFileName().toString()));
            }
        }
        int port = freePort();
        Path serverXml = dir.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml).replace("port=\"8005\"", "port=\"-1\"")
                .replace("port=\"8080\"", "port=\"" + port + "\" address=\"127.0.0.1\""));
        return port;
    }

    /** Starts Tomcat on a base from {@link #makeTomcatBase}, as catalina.sh would on Java 17. */
    static ServerProcess startTomcat(Path base, int port, List<String> jvmOptions, Map<String, String> env)
            throws IOException {
        Path home = tomcatHome();
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        command.addAll(List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base,
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
                "-Djava.io.tmpdir=" + base.resolve("temp"),
                "-cp", home.resolve("bin/bootstrap.jar") + ":" + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start"));
        return start(command, base, port, env);
    }

    private static ServerProcess start(List<String> command, Path base, int port, Map<String, String> env)
            throws IOException {
        Path log = base.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TWOSTEP_") || k.startsWith("TWILIO_"));
        pb.environment().putAll(env);
        long started = System.nanoTime();
        ServerProcess server = new ServerProcess(pb.start(), started, log, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server.process::destroyForcibly));
        return server;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /**
     * Polls the URL every 20 ms until it answers 200; returns the time from the process start, or fails with
     * the end of the server's log.
     */
    Duration awaitOk(String path, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).build();
        long deadline = startedNanos + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    servingPid = pid();
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(path + " did not answer 200 within " + timeout + ":\n" + logTail());
    }

    /** The JVM that serves: this process, or a child when start.jar forked one (it does for some modules). */
    long pid() {
        if (servingPid > 0) {
            return servingPid;
        }
        return process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .reduce((a, b) -> b).map(ProcessHandle::pid).orElse(process.pid());
    }

    boolean alive() {
        return process.isAlive();
    }

    /** User plus system CPU time of the server process so far (from /proc/pid/stat), in milliseconds. */
    double cpuMillis() throws IOException {
        return userMillis() + systemMillis();
    }

    /** User CPU time of the server process so far, in milliseconds. */
    double userMillis() throws IOException {
        return statField(11);
    }

    /** System (kernel) CPU time of the server process so far, in milliseconds. */
    double systemMillis() throws IOException {
        return statField(12);
    }

    /**
     * CPU time so far of the server's threads, in milliseconds, by kind: Jetty's request threads ("qtp"),
     * garbage collection, the JIT compilers, and the rest. Threads that ended are missing, so compare two
     * readings only over a stretch where the kinds that matter keep their threads.
     */
    Map<String, Double> threadCpuMillis() throws IOException {
        Map<String, Double> byKind = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / CLOCK_TICKS_PER_SECOND;
                String kind = name.startsWith("qtp") ? "requests"
                        : name.startsWith("GC Thread") || name.startsWith("G1 ") ? "GC"
                        : name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler") ? "JIT"
                        : "other";
                byKind.merge(kind, ms, Double::sum);
            }
        }
        return byKind;
    }

    private double statField(int index) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        // After the command name in parentheses (which may hold spaces): state is field 3, utime 14, stime 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[index]) * 1000.0 / CLOCK_TICKS_PER_SECOND;
    }

    /**
     * CPU time the whole machine spent busy so far (all processes, all cores; from the first line of
     * /proc/stat: everything but idle and iowait), in milliseconds. The benchmark shares the machine, and
     * this shows how much else ran meanwhile.
     */
    static double machineBusyMillis() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy * 1000.0 / CLOCK_TICKS_PER_SECOND;
    }

    /**
     * CPU time so far (user + system, in milliseconds) of the processes this user can see whose command is
     * {@code comm} (as in /proc/pid/comm), e.g. the local PostgreSQL's backends. Processes that ended are
     * missing, so it suits a stretch where they keep running (a connection pool's backends do).
     */
    static double processesCpuMillis(String comm) throws IOException {
        double ms = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                if (!proc.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                if (!stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals(comm)) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ms += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / CLOCK_TICKS_PER_SECOND;
            }
        }
        return ms;
    }

    /** A line of /proc/pid/status in KiB: VmRSS (resident now), VmHWM (resident at most). */
    long statusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid() + "/status");
    }

    /** Writes the server's thread dump (jcmd Thread.print) to this file. */
    void threadDump(Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), "Thread.print")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** How many characters the log has now, to read what comes after it. */
    long logLength() throws IOException {
        return Files.size(log);
    }

    String logSince(long offset) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }

    String logTail() throws IOException {
        String all = Files.readString(log, StandardCharsets.UTF_8);
        return all.substring(Math.max(0, all.length() - 4000));
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100; // Linux's USER_HZ nearly everywhere
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
