package dev.twostep.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.twostep.deploy.TomcatBase;

/**
 * One Twostep server on the Tomcat 10.1 distribution that {@code mvn verify} unpacks: a CATALINA_BASE of its own
 * ({@link TomcatBase}) with the standalone WAR, the context file tomcat-conf/cluster/context.xml (Twostep's
 * DataSource, PersistentManager with a DataSourceStore, PersistentValve) pointed at the run's schemas, and
 * PostgreSQL's driver in lib/. Tomcat's Bootstrap runs in the process started (no catalina.sh), so
 * {@link #kill()} is a kill -9 of the server itself.
 */
final class TomcatNode extends Node {
    /** The cluster context file, as docs/scale-out.md shows it; the tests change only its URLs and schema. */
    static final Path CONTEXT_XML = Path.of("tomcat-conf/cluster/context.xml");
    /** The sessions table's DDL, in the schema twostep_sessions; the tests create it in their own schema. */
    static final Path SESSIONS_SQL = Path.of("tomcat-conf/cluster/sessions.sql");
    /** Needed by Tomcat's PersistentManager (Tomcat's docs, "Persistent Manager Implementation"). */
    static final String ACTIVITY_CHECK = "-Dorg.apache.catalina.session.StandardSession.ACTIVITY_CHECK=true";

    /**
     * Tomcat nodes serving the standalone WAR with their sessions in PostgreSQL: the sessions table made from
     * {@link #SESSIONS_SQL} in the run's sessions schema before any node starts; each node a CATALINA_BASE.
     */
    static final Cluster.Container CONTAINER = new Cluster.Container() {
        @Override
        public void prepare(Path dir, Cluster.Webapp webapp, String dbUrl, String schema, boolean sticky)
                throws Exception {
            if (webapp != Cluster.STANDALONE || sticky) {
                throw new UnsupportedOperationException("Tomcat nodes: the standalone WAR, sessions in PostgreSQL");
            }
            String ddl = Files.readString(SESSIONS_SQL).replace("twostep_sessions", Cluster.sessionsSchema(schema));
            for (String statement : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
                if (!statement.isBlank()) {
                    Cluster.sql(dbUrl, statement.strip());
                }
            }
        }

        @Override
        public Node node(String name, Path dir, Cluster.Webapp webapp, String dbUrl, Map<String, String> env)
                throws Exception {
            return TomcatNode.on(name, dir.resolve(name), dbUrl, env);
        }

        @Override
        public String sessionsTable() {
            return "tomcat_sessions";
        }
    };

    private final TomcatBase base;

    private TomcatNode(String name, TomcatBase base, Map<String, String> env) {
        super(name, base.base, base.port, "/twostep", env);
        this.base = base;
    }

    /**
     * A node in {@code dir} (a fresh CATALINA_BASE on a free port) whose Twostep and sessions are on the database
     * of {@code dbUrl} (a PostgreSQL URL with currentSchema, credentials in it): Twostep through the context's
     * DataSource, so the node's environment loses TWOSTEP_DB_URL and TWOSTEP_DB_POOL_SIZE.
     */
    static TomcatNode on(String name, Path dir, String dbUrl, Map<String, String> env) throws Exception {
        TomcatBase base = TomcatBase.create(dir);
        Path driver = Cluster.pgDriver();
        Files.copy(driver, base.base.resolve("lib").resolve(driver.getFileName()));
        Files.writeString(base.base.resolve("conf/Catalina/localhost/twostep.xml"), contextXml(dbUrl));
        Files.copy(Path.of("target/twostep.war").toAbsolutePath(), base.base.resolve("webapps/twostep.war"));
        Map<String, String> own = new HashMap<>(env);
        own.remove("TWOSTEP_DB_URL");
        own.remove("TWOSTEP_DB_POOL_SIZE");
        return new TomcatNode(name, base, own);
    }

    /**
     * tomcat-conf/cluster/context.xml for the run: its two URLs replaced by {@code dbUrl} (with and without its
     * currentSchema), the credentials dropped (the test URL carries them), the sessions schema the run's.
     */
    static String contextXml(String dbUrl) throws Exception {
        String schema = dbUrl.replaceFirst(".*[?&]currentSchema=([^&]+).*", "$1");
        String withoutSchema = dbUrl.replaceFirst("[?&]currentSchema=[^&]+", "");
        String xml = Files.readString(CONTEXT_XML);
        String replaced = xml
                .replace("url=\"jdbc:postgresql://db.internal:5432/twostep?currentSchema=twostep\"",
                        "url=\"" + xmlEscape(dbUrl) + "\"")
                .replace("url=\"jdbc:postgresql://db.internal:5432/twostep\"", "url=\"" + xmlEscape(withoutSchema) + "\"")
                .replace("\n            username=\"twostep\" password=\"change-me\"", "")
                .replace("twostep_sessions.tomcat_sessions", Cluster.sessionsSchema(schema) + ".tomcat_sessions");
        if (replaced.contains("db.internal") || replaced.contains("change-me") || replaced.contains("twostep_sessions.")) {
            throw new AssertionError(CONTEXT_XML + " changed: the test no longer points it at its database:\n" + replaced);
        }
        return replaced;
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }

    @Override
    List<String> command() {
        return base.command(List.of("-Xmx256m", ACTIVITY_CHECK));
    }

    @Override
    String startupFailure(String log) {
        // Tomcat logs a context that failed to start, and keeps running without it.
        for (String failure : List.of("One or more listeners failed to start", "Context [/twostep] startup failed",
                "Error deploying configuration descriptor")) {
            if (log.contains(failure)) {
                return failure;
            }
        }
        return null;
    }
}
