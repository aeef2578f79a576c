package dev.twostep.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    final String config;
    private final String context;

    private HaProxy(int port, int statsPort, Process process, Path log, String config, String context) {
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
    static String config(int port, int statsPort, Map<String, Integer> nodes, boolean sticky, String context) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("""
                global
                    maxconn 1024
                    log stdout format raw local0 info

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
        String config = config(port, statsPort, nodes, sticky, context);
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder(binary().toString(), "-db", "-f", cfg.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return new HaProxy(port, statsPort, process, log, config, context);
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
