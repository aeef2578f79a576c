package dev.twostep.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Twostep server: the Jetty 12 distribution that {@code mvn verify} unpacks, on a base of its own with the
 * WAR in webapps/, its sessions in Jetty's JDBC session data store, in its own JVM on a loopback port. The
 * process started is the JVM that serves (start.jar forks none for these modules: checked at start), so
 * {@link #kill()} is a kill -9 of the server itself.
 */
final class JettyNode extends Node {
    /** The Jetty modules of a node whose sessions stay in its memory (behind a sticky load balancer). */
    static final String MODULES = "http,forwarded,ee10-deploy";
    /** The modules of a node whose sessions are in PostgreSQL, for any node to serve any request. */
    static final String SHARED_SESSION_MODULES = MODULES + ",ext,session-cache-null,session-store-jdbc";

    private JettyNode(String name, Path base, int port, String context, Map<String, String> env) {
        super(name, base, port, context, env);
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
        makeBase(dir, webapp, List.of(pgDriver), sessionStoreIni, Map.of());
    }

    /**
     * As {@link #makeBase(Path, Cluster.Webapp, Path, String)}, with every jar of {@code extJars} in lib/ext (the
     * PostgreSQL driver and, for pooled session connections, the pool's jars) and each file of {@code baseFiles}
     * (a path relative to the base, e.g. etc/x.xml, and its content) written into the base.
     */
    static void makeBase(Path dir, Cluster.Webapp webapp, List<Path> extJars, String sessionStoreIni,
                         Map<String, String> baseFiles) throws Exception {
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
            for (Path jar : extJars) {
                Files.copy(jar, dir.resolve("lib/ext").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        for (Map.Entry<String, String> file : baseFiles.entrySet()) {
            Path target = dir.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
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
        copyTree(template, dir);
        return new JettyNode(name, dir, freePort(), context, env);
    }

    @Override
    List<String> command() {
        return List.of(java(), "-Xmx256m",
                "-jar", jettyHome().resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + port, "jetty.httpConfig.sendServerVersion=false",
                // The node's name in session ids (id.node1) and in the sessions table's lastNode column.
                "jetty.sessionIdManager.workerName=" + name);
    }

    @Override
    String startupFailure(String log) {
        return log.contains("Failed startup of context") ? "Failed startup of context" : null;
    }

    @Override
    void checkStarted() {
        if (process().descendants().findAny().isPresent()) {
            throw new AssertionError(name + ": start.jar forked a JVM, so killing it would kill a wrapper");
        }
    }
}
