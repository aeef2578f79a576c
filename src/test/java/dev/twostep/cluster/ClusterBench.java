package dev.twostep.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.twostep.bench.ExternalSignIns;

/**
 * Sign-ins per second of 1, 2 and 3 nodes behind HAProxy on one PostgreSQL (docs/scale-out.md), run by hand
 * through src/bench/cluster.sh, not by {@code mvn verify}. For each size: {@link Cluster#start} (not sticky:
 * round robin, sessions in Jetty's JDBC session store), every node with the same secret, Twilio at the
 * benchmark's stand-in and the send limits {@code SignInBench} uses; the virtual users registered through
 * HAProxy; then the sign-in load of {@code SignInLoad} through HAProxy for a warm-up (not counted) and a window.
 *
 * <p>Options: {@code --sizes=1,2,3 --clients=8 --users=16 --warmup=20 --seconds=30 --sticky --tomcat --pooled};
 * with {@code --tomcat} the nodes are Tomcat 10.1 ({@link TomcatNode}: PersistentManager, DataSourceStore,
 * PersistentValve; not with {@code --sticky}); with {@code --pooled} Jetty's session store takes its
 * connections from a pool bound in JNDI ({@link Cluster#JETTY_POOLED}) instead of opening one for each load
 * and store (not with {@code --sticky} or {@code --tomcat}).
 */
public final class ClusterBench {
    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1, 2, 3);
        int clients = 8;
        int users = 16;
        int warmup = 20;
        int seconds = 30;
        boolean sticky = false;
        boolean tomcat = false;
        boolean pooled = false;
        for (String arg : args) {
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
            if (arg.startsWith("--sizes=")) {
                sizes = Stream.of(value.split(",")).map(Integer::valueOf).toList();
            } else if (arg.startsWith("--clients=")) {
                clients = Integer.parseInt(value);
            } else if (arg.startsWith("--users=")) {
                users = Integer.parseInt(value);
            } else if (arg.startsWith("--warmup=")) {
                warmup = Integer.parseInt(value);
            } else if (arg.startsWith("--seconds=")) {
                seconds = Integer.parseInt(value);
            } else if (arg.equals("--sticky")) {
                sticky = true;
            } else if (arg.equals("--tomcat")) {
                tomcat = true;
            } else if (arg.equals("--pooled")) {
                pooled = true;
            } else {
                System.out.println("Options: --sizes=1,2,3 --clients=8 --users=16 --warmup=20 --seconds=30 --sticky"
                        + " --tomcat --pooled");
                return;
            }
        }
        if (tomcat && sticky) {
            System.out.println("--tomcat runs the nodes with their sessions in PostgreSQL only: no --sticky");
            return;
        }
        if (pooled && (tomcat || sticky)) {
            System.out.println("--pooled is for Jetty's session store in PostgreSQL: no --tomcat, no --sticky");
            return;
        }
        for (String[] container : List.of(new String[] {"twostep.jetty.home", "jetty-home-"},
                new String[] {"twostep.tomcat.home", "apache-tomcat-"})) {
            if (System.getProperty(container[0]) == null) {
                System.setProperty(container[0], containerHome(container[1]).toString());
            }
        }
        System.out.printf("Cluster sign-in benchmark: %s nodes %s, %s, %d clients, %d users, %d s warm-up, %d s"
                + " window, %d cores (shared by HAProxy, PostgreSQL, the nodes and this load generator), %s%n",
                tomcat ? "Tomcat 10.1" : pooled ? "Jetty 12 (session store: db-connection-type=datasource, DBCP2"
                        + " pool of 4)" : "Jetty 12", sizes,
                sticky ? "sticky sessions (in each node's memory)" : "round robin, sessions in PostgreSQL",
                clients, users, warmup, seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        List<String> summary = new ArrayList<>();
        try (ExternalSignIns load = new ExternalSignIns()) {
            Map<String, String> env = new java.util.HashMap<>(ExternalSignIns.relaxedLimits());
            env.put("TWILIO_BASE_URL", load.twilioBaseUrl());
            for (int size : sizes) {
                try (Cluster cluster = Cluster.start("bench" + size, size, sticky, Cluster.STANDALONE, env,
                        tomcat ? TomcatNode.CONTAINER : pooled ? Cluster.JETTY_POOLED : Cluster.JETTY)) {
                    ExternalSignIns.Run run = load.against(cluster.proxy.url(""), users, 4);
                    System.out.printf("%n%d node%s: %d users registered through HAProxy%n", size, size == 1 ? "" : "s",
                            run.users());
                    run.warmUp(clients, Duration.ofSeconds(warmup));
                    Map<String, String> before = cluster.proxy.stats("stot");
                    double[] cpu0 = cpu(cluster);
                    long backends0 = cluster.count("SELECT sum(sessions) FROM pg_catalog.pg_stat_database");
                    long t0 = System.nanoTime();
                    List<String> lines = run.level(clients, Duration.ofSeconds(seconds));
                    double wall = (System.nanoTime() - t0) / 1e6;
                    double[] cpu1 = cpu(cluster);
                    long backends = cluster.count("SELECT sum(sessions) FROM pg_catalog.pg_stat_database") - backends0;
                    lines.forEach(System.out::println);
                    System.out.println("  HAProxy stot (streams) per node over the level: "
                            + difference(before, cluster.proxy.stats("stot")));
                    System.out.println(String.format(java.util.Locale.ROOT, "  CPU over the level (%.1f s, the window"
                            + " with its ramp and drain), in cores busy: machine %.2f; the nodes %.2f; HAProxy %.2f;"
                            + " postgres processes alive at both ends %.2f; this JVM %.2f; the rest of the machine"
                            + " (processes that ended, e.g. short-lived PostgreSQL backends, and anything else) %.2f",
                            wall / 1000, (cpu1[0] - cpu0[0]) / wall, (cpu1[1] - cpu0[1]) / wall,
                            (cpu1[2] - cpu0[2]) / wall, (cpu1[3] - cpu0[3]) / wall, (cpu1[4] - cpu0[4]) / wall,
                            ((cpu1[0] - cpu0[0]) - (cpu1[1] - cpu0[1]) - (cpu1[2] - cpu0[2]) - (cpu1[3] - cpu0[3])
                                    - (cpu1[4] - cpu0[4])) / wall));
                    System.out.println("  PostgreSQL backends started over the level (pg_stat_database.sessions, every"
                            + " database): " + backends);
                    System.out.println("  load average after: " + Files.readString(Path.of("/proc/loadavg")).trim());
                    summary.add(size + " node" + (size == 1 ? ": " : "s: ") + lines.get(0));
                }
            }
        }
        System.out.println();
        System.out.println("Summary");
        summary.forEach(System.out::println);
    }

    /** CPU so far in ms: the machine, the nodes, HAProxy, the postgres processes running now, this JVM. */
    private static double[] cpu(Cluster cluster) throws Exception {
        double nodes = 0;
        for (Node node : cluster.nodes) {
            nodes += cpuMillis(node.pid());
        }
        return new double[] {ExternalSignIns.machineBusyMillis(), nodes, cpuMillis(cluster.proxy.pid()),
            ExternalSignIns.postgresCpuMillis(), cpuMillis(ProcessHandle.current().pid())};
    }

    private static double cpuMillis(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(d -> d.toNanos() / 1e6)
                .orElse(Double.NaN);
    }

    private static Map<String, Long> difference(Map<String, String> before, Map<String, String> after) {
        Map<String, Long> d = new java.util.TreeMap<>();
        after.forEach((node, n) -> d.put(node, Long.parseLong(n) - Long.parseLong(before.getOrDefault(node, "0"))));
        return d;
    }

    /** The distribution under target/containers whose folder name starts with {@code prefix}. */
    private static Path containerHome(String prefix) throws Exception {
        try (Stream<Path> dirs = Files.list(Path.of("target/containers"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/containers/" + prefix + "*: run"
                            + " `mvn -DskipTests verify` first")).toAbsolutePath();
        }
    }
}
