package dev.twostep.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy in front of the nodes, in its own process with a configuration generated here (the one
 * docs/scale-out.md shows): round robin, health checks on a static file of the app, a connection refused by a
 * dead node retried on another one; with {@code sticky}, a cookie that pins a browser to the node it first
 * reached.
 */
final class HaProxy implements AutoCloseable {
    final int port;
    private final int statsPort;
    private final Process process;
    private final Path log;
    private final Path adminSocket;
    final String config;
    private final String context;

    private HaProxy(int port, int statsPort, Process process, Path log, Path adminSocket, String config,
                    String context) {
        this.adminSocket = adminSocket;
        this.port = port;
        this.context = context;
        this.statsPort = statsPort;
        this.process = process;
        this.log = log;
        this.config = config;
    }

    /** The haproxy binary, or null when it is not installed (apt-get install haproxy; .ci/run does). */
    static Path binary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    /**
     * The configuration: a frontend on {@code port}, the nodes (name to port) as servers, a stats page; the
     * health check asks for the guard's favicon under the web app's {@code context} path.
     */
    static String config(int port, int statsPort, Path adminSocket, Map<String, Integer> nodes, boolean sticky,
                         String context) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("""
                global
                    maxconn 1024
                    log stdout format raw local0 info
                    # The runtime API, for set server ... state maint / ready.
                """);
        cfg.append("    stats socket ").append(adminSocket).append(" mode 600 level admin\n");
        cfg.append("""

                defaults
                    mode http
                    log global
                    option httplog
                    option forwardfor
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                    timeout http-request 10s
                    # A node that refuses the connection (dead, restarting) costs a retry on another node.
                    retries 2
                    option redispatch 1

                frontend twostep
                """);
        cfg.append("    bind 127.0.0.1:").append(port).append('\n');
        cfg.append("""
                    default_backend twostep_nodes

                backend twostep_nodes
                    balance roundrobin
                    option httpchk
                """);
        cfg.append("    http-check send meth GET uri ").append(context).append("/twostep/static/favicon.svg\n");
        cfg.append("""
                    http-check expect status 200
                    default-server check inter 500ms fall 2 rise 2
                """);
        if (sticky) {
            cfg.append("    cookie TWOSTEP_NODE insert indirect nocache httponly\n");
        }
        for (Map.Entry<String, Integer> node : nodes.entrySet()) {
            cfg.append("    server ").append(node.getKey()).append(" 127.0.0.1:").append(node.getValue());
            if (sticky) {
                cfg.append(" cookie ").append(node.getKey());
            }
            cfg.append('\n');
        }
        cfg.append("\nlisten stats\n    bind 127.0.0.1:").append(statsPort).append('\n');
        cfg.append("    stats enable\n    stats uri /stats\n");
        return cfg.toString();
    }

    static HaProxy start(Path dir, Map<String, Integer> nodes, boolean sticky, String context) throws IOException {
        Files.createDirectories(dir);
        int port = Node.freePort();
        int statsPort = Node.freePort();
        // A Unix socket's path has at most 107 bytes: in a deep checkout, the socket goes to the temp folder.
        Path adminSocket = dir.resolve("admin.sock");
        if (adminSocket.toString().length() > 100) {
            adminSocket = Path.of(System.getProperty("java.io.tmpdir"), "twostep-haproxy-" + port + ".sock");
        }
        String config = config(port, statsPort, adminSocket, nodes, sticky, context);
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder(binary().toString(), "-db", "-f", cfg.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return new HaProxy(port, statsPort, process, log, adminSocket, config, context);
    }

    long pid() {
        return process.pid();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + context + path;
    }

    /** Each server's state from the stats page (UP, DOWN, "UP 1/2", ...). */
    Map<String, String> states() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String[] lines = csv.split("\n");
        List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
        int proxy = header.indexOf("pxname");
        int server = header.indexOf("svname");
        int status = header.indexOf("status");
        Map<String, String> states = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > status && f[proxy].equals("twostep_nodes") && !f[server].equals("BACKEND")) {
                states.put(f[server], f[status]);
            }
        }
        return states;
    }

    /** One column of the stats page for each server (e.g. "stot", the requests each node got so far). */
    Map<String, String> stats(String column) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String[] lines = csv.split("\n");
        List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
        int proxy = header.indexOf("pxname");
        int server = header.indexOf("svname");
        int wanted = header.indexOf(column);
        Map<String, String> values = new java.util.TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > wanted && f[proxy].equals("twostep_nodes") && !f[server].equals("BACKEND")) {
                values.put(f[server], f[wanted]);
            }
        }
        return values;
    }

    /**
     * One command to HAProxy's runtime API (the configuration's {@code stats socket}), e.g.
     * {@code set server twostep_nodes/node1 state maint}; returns its answer (empty when all went well).
     */
    String admin(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(adminSocket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.UTF_8).strip();
        }
    }

    /**
     * Takes a server out of the rotation as for an upgrade: no new requests go to it ({@code state maint}), and
     * this returns once the requests it was serving have ended (its {@code scur} is 0).
     */
    void drain(String server) throws Exception {
        String answer = admin("set server twostep_nodes/" + server + " state maint");
        if (!answer.isEmpty()) {
            throw new AssertionError("HAProxy refused maint for " + server + ": " + answer);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"0".equals(stats("scur").get(server))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(server + " still has requests after 30 s: " + stats("scur"));
            }
            Thread.sleep(50);
        }
    }

    /** Puts a drained server back into the rotation ({@code state ready}) and waits until HAProxy sees it UP. */
    void ready(String server) throws Exception {
        String answer = admin("set server twostep_nodes/" + server + " state ready");
        if (!answer.isEmpty()) {
            throw new AssertionError("HAProxy refused ready for " + server + ": " + answer);
        }
        awaitState("UP", Duration.ofSeconds(20), server);
    }

    /** Waits until HAProxy sees each of these servers in this state ("UP" or "DOWN"). */
    void awaitState(String state, Duration timeout, String... servers) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = Map.of();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("haproxy exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                states = states();
                Map<String, String> seen = states;
                if (List.of(servers).stream().allMatch(s -> state.equals(seen.get(s)))) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("HAProxy did not see " + List.of(servers) + " " + state + " in " + timeout + ": "
                + states + "\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
