package dev.twostep.cluster;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.htmlunit.WebClient;

import dev.twostep.testing.TestDatabases;

/**
 * Several Twostep servers on one PostgreSQL behind HAProxy, as docs/scale-out.md describes: the built WAR in
 * Jetty 12 distributions ({@link JettyNode}) or Tomcat 10.1 ones ({@link TomcatNode}), one fresh PostgreSQL
 * schema for Twostep's tables and another for the container's sessions table (both dropped at close), one code
 * secret, every node's Twilio pointed at one {@link SmsStandIn}, and {@link HaProxy} in front. Everything on
 * 127.0.0.1, under target/cluster/&lt;name&gt;.
 *
 * <p>Needs haproxy and a PostgreSQL at {@code twostep.test.pg.url} (or TWOSTEP_TEST_PG_URL, else
 * 127.0.0.1:5432 database test as postgres); without them the tests are skipped, and .ci/run fails.
 */
final class Cluster implements AutoCloseable {
    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final String SECRET = "cluster-test-secret-0123456789abcdef0123";

    final String pgUrl;
    final String schema;
    final SmsStandIn sms;
    final List<Node> nodes;
    final HaProxy proxy;
    final Container container;
    private final Path dir;

    private Cluster(String pgUrl, String schema, SmsStandIn sms, List<Node> nodes, HaProxy proxy,
                    Container container, Path dir) {
        this.pgUrl = pgUrl;
        this.schema = schema;
        this.sms = sms;
        this.nodes = nodes;
        this.proxy = proxy;
        this.container = container;
        this.dir = dir;
    }

    /** Skips the calling test class, saying why, when haproxy or PostgreSQL is missing. */
    static String requirements() {
        assumeTrue(HaProxy.binary() != null, "Cluster tests skipped: no haproxy (apt-get install haproxy; .ci/run"
                + " installs it)");
        String url = TestDatabases.pgUrl() == null ? DEFAULT_PG_URL : TestDatabases.pgUrl();
        DriverManager.setLoginTimeout(3);
        try (Connection c = DriverManager.getConnection(url)) {
            assumeTrue(c.isValid(3), "Cluster tests skipped: PostgreSQL at " + url + " does not answer");
        } catch (SQLException e) {
            assumeTrue(false, "Cluster tests skipped: no PostgreSQL at " + url + " (" + e.getMessage()
                    + "); set TWOSTEP_TEST_PG_URL");
        }
        return url;
    }

    /**
     * What every node serves: the web app's context path, and what goes into the nodes' Jetty base (made in
     * target/cluster/&lt;name&gt;/base, its webapps/ there already) to deploy it.
     */
    interface Webapp {
        String context();

        void deployInto(Path base) throws Exception;
    }

    /** The standalone app: the built WAR as webapps/twostep.war. */
    static final Webapp STANDALONE = new Webapp() {
        @Override
        public String context() {
            return "/twostep";
        }

        @Override
        public void deployInto(Path base) throws Exception {
            Files.copy(Path.of("target/twostep.war").toAbsolutePath(), base.resolve("webapps/twostep.war"));
        }
    };

    /**
     * How a cluster's nodes are made: the servlet container, its session store, and what its nodes share. The
     * cluster's schema and its sessions schema ({@link #sessionsSchema}) exist, empty, when {@link #prepare}
     * is called.
     */
    interface Container {
        /**
         * Makes what every node shares in the cluster's folder {@code dir}: with a session store (not
         * {@code sticky}), its table in the sessions schema.
         */
        void prepare(Path dir, Webapp webapp, String dbUrl, String schema, boolean sticky) throws Exception;

        /**
         * A node named {@code name} in its own folder under {@code dir}, on the database of {@code dbUrl} (the
         * cluster's schema), with this environment; not started yet.
         */
        Node node(String name, Path dir, Webapp webapp, String dbUrl, Map<String, String> env) throws Exception;

        /** The name of the session store's table, in the sessions schema. */
        String sessionsTable();
    }

    /**
     * Jetty 12 ({@link JettyNode}): a base made once and copied for each node, sessions in JettySessions, the
     * store opening a connection of its own for every load and store ({@code db-connection-type=driver}).
     */
    static final Container JETTY = jetty(false);

    /**
     * As {@link #JETTY}, the session store's connections from a pool ({@code db-connection-type=datasource}: a
     * DBCP2 BasicDataSource bound in JNDI by {@link #SESSIONS_DATASOURCE_XML}); for {@code ClusterBench --pooled}.
     */
    static final Container JETTY_POOLED = jetty(true);

    /** Where the pooled Jetty base's XML that binds the session store's pool is. */
    static final String SESSIONS_DATASOURCE_XML = "etc/twostep-sessions-datasource.xml";

    /** The JNDI name of that pool. */
    static final String SESSIONS_DATASOURCE = "jdbc/sessions";

    private static Container jetty(boolean pooled) {
        return new Container() {
            @Override
            public void prepare(Path dir, Webapp webapp, String dbUrl, String schema, boolean sticky)
                    throws Exception {
                String ini = sticky ? null
                        : pooled ? pooledSessionStoreIni(schema) : sessionStoreIni(dbUrl, schema);
                if (!sticky) {
                    Files.writeString(dir.resolve("jetty-sessions.sql"),
                            SessionsTable.create(dbUrl, sessionsSchema(schema)));
                }
                if (pooled && !sticky) {
                    JettyNode.makeBase(dir.resolve("base"), webapp, poolJars(), ini,
                            Map.of(SESSIONS_DATASOURCE_XML, sessionsDataSourceXml(dbUrl)));
                } else {
                    JettyNode.makeBase(dir.resolve("base"), webapp, pgDriver(), ini);
                }
            }

            @Override
            public Node node(String name, Path dir, Webapp webapp, String dbUrl, Map<String, String> env)
                    throws Exception {
                return JettyNode.on(name, dir.resolve("base"), dir.resolve(name), webapp.context(), env);
            }

            @Override
            public String sessionsTable() {
                return "jettysessions";
            }
        };
    }

    /** {@link #start(String, int, boolean, Webapp)} with the standalone WAR. */
    static Cluster start(String name, int size, boolean sticky) throws Exception {
        return start(name, size, sticky, STANDALONE, Map.of(), JETTY);
    }

    /** As {@link #start(String, int, boolean)}, each node serving {@code webapp}. */
    static Cluster start(String name, int size, boolean sticky, Webapp webapp) throws Exception {
        return start(name, size, sticky, webapp, Map.of(), JETTY);
    }

    /**
     * As {@link #start(String, int, boolean)}, with these variables added to every node's {@link #environment}
     * (replacing those of the same name): for {@link ClusterBench}, its Twilio stand-in and relaxed send limits.
     */
    static Cluster start(String name, int size, boolean sticky, Map<String, String> extraEnv) throws Exception {
        return start(name, size, sticky, STANDALONE, extraEnv, JETTY);
    }

    /** The standalone WAR on {@code size} nodes of this container, round robin, sessions in the shared store. */
    static Cluster start(String name, int size, Container container) throws Exception {
        return start(name, size, false, STANDALONE, Map.of(), container);
    }

    /**
     * Makes a fresh schema and starts {@code size} nodes of {@code container} on it at the same moment (so they
     * race to migrate it), each serving {@code webapp} with {@code extraEnv} added to its environment, then
     * HAProxy, and waits until HAProxy sees every node up. Not {@code sticky}: round robin, the sessions in the
     * container's session store on PostgreSQL. {@code sticky}: HAProxy's cookie pins a browser to a node, and
     * the sessions stay in each node's memory (the container's default), the simple option.
     */
    static Cluster start(String name, int size, boolean sticky, Webapp webapp, Map<String, String> extraEnv,
                         Container container) throws Exception {
        String pgUrl = requirements();
        String schema = "twostep_" + name.toLowerCase(Locale.ROOT) + "_" + ProcessHandle.current().pid();
        dropSchemas(pgUrl, schema);
        sql(pgUrl, "CREATE SCHEMA " + schema);
        sql(pgUrl, "CREATE SCHEMA " + sessionsSchema(schema));
        String dbUrl = pgUrl + (pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;

        Path dir = Path.of("target/cluster", name).toAbsolutePath();
        Node.deleteTree(dir);
        Files.createDirectories(dir);
        SmsStandIn sms = new SmsStandIn();
        List<Node> nodes = new ArrayList<>();
        Cluster cluster = null;
        try {
            container.prepare(dir, webapp, dbUrl, schema, sticky);
            for (int i = 1; i <= size; i++) {
                String node = "node" + i;
                Map<String, String> env = environment(dbUrl, sms.baseUrlFor(node));
                env.putAll(extraEnv);
                nodes.add(container.node(node, dir, webapp, dbUrl, env));
            }
            for (Node node : nodes) {
                node.start();
            }
            awaitAll(nodes);
            Map<String, Integer> servers = new LinkedHashMap<>();
            nodes.forEach(n -> servers.put(n.name, n.port));
            HaProxy proxy = HaProxy.start(dir.resolve("haproxy"), servers, sticky, webapp.context());
            cluster = new Cluster(pgUrl, schema, sms, nodes, proxy, container, dir);
            proxy.awaitState("UP", Duration.ofSeconds(20), servers.keySet().toArray(String[]::new));
            return cluster;
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            } else {
                for (Node node : nodes) {
                    node.close();
                }
                sms.close();
                dropSchemas(pgUrl, schema);
            }
            throw e;
        }
    }

    /** PostgreSQL's JDBC driver jar of the test class path (the version pom.xml names), for the containers. */
    static Path pgDriver() throws Exception {
        return Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Waits for these nodes, started already, in parallel. */
    static void awaitAll(List<Node> nodes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<Object>> ready = new ArrayList<>();
            for (Node node : nodes) {
                ready.add(pool.submit(() -> {
                    node.awaitReady(Duration.ofSeconds(90));
                    return null;
                }));
            }
            for (Future<Object> f : ready) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw (Exception) e.getCause();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Jetty's JDBC session data store on the same PostgreSQL: start.d/session-store-jdbc.ini of every node. The
     * table (JettySessions) goes in a schema of its own ({@link #sessionsSchema}), which must exist; the first
     * node that finds no table there creates it.
     */
    static String sessionStoreIni(String dbUrl, String schema) {
        return String.join("\n",
                "--module=session-store-jdbc",
                "db-connection-type=driver",
                "jetty.session.jdbc.driverClass=org.postgresql.Driver",
                "jetty.session.jdbc.driverUrl=" + dbUrl,
                "jetty.session.jdbc.schema.schemaName=" + sessionsSchema(schema),
                // Written at the end of every request that changed the session, before the response is
                // committed (the null cache's flushOnResponseCommit), so the next request may go anywhere.
                "jetty.session.savePeriod.seconds=0",
                "jetty.session.gracePeriod.seconds=60",
                "");
    }

    /**
     * As {@link #sessionStoreIni}, the connections from the pool that {@link #sessionsDataSourceXml} binds in JNDI
     * (Jetty's jndi and plus modules, that XML file run from this ini).
     */
    static String pooledSessionStoreIni(String schema) {
        return String.join("\n",
                "--module=session-store-jdbc",
                "--module=jndi",
                "--module=plus",
                SESSIONS_DATASOURCE_XML,
                "db-connection-type=datasource",
                "jetty.session.jdbc.datasourceName=" + SESSIONS_DATASOURCE,
                "jetty.session.jdbc.schema.schemaName=" + sessionsSchema(schema),
                "jetty.session.savePeriod.seconds=0",
                "jetty.session.gracePeriod.seconds=60",
                "");
    }

    /**
     * The Jetty XML that binds the session store's pool at {@link #SESSIONS_DATASOURCE}: a DBCP2 BasicDataSource
     * on {@code dbUrl}, sized as the Tomcat nodes' session pool (tomcat-conf/cluster/context.xml: 4 connections,
     * 10 s wait, SELECT 1 validation).
     */
    static String sessionsDataSourceXml(String dbUrl) {
        String url = dbUrl.replace("&", "&amp;").replace("<", "&lt;");
        return String.join("\n",
                "<?xml version=\"1.0\"?>",
                "<!DOCTYPE Configure PUBLIC \"-//Jetty//Configure//EN\" \"https://jetty.org/configure_10_0.dtd\">",
                "<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\">",
                "  <New id=\"sessionsDataSource\" class=\"org.eclipse.jetty.plus.jndi.Resource\">",
                "    <Arg>" + SESSIONS_DATASOURCE + "</Arg>",
                "    <Arg>",
                "      <New class=\"org.apache.commons.dbcp2.BasicDataSource\">",
                "        <Set name=\"driverClassName\">org.postgresql.Driver</Set>",
                "        <Set name=\"url\">" + url + "</Set>",
                "        <Set name=\"maxTotal\">4</Set>",
                "        <Set name=\"maxIdle\">4</Set>",
                "        <Set name=\"maxWait\">",
                "          <Call class=\"java.time.Duration\" name=\"ofSeconds\"><Arg type=\"long\">10</Arg></Call>",
                "        </Set>",
                "        <Set name=\"validationQuery\">SELECT 1</Set>",
                "      </New>",
                "    </Arg>",
                "  </New>",
                "</Configure>",
                "");
    }

    /**
     * The jars of the pooled Jetty base's lib/ext: PostgreSQL's driver, commons-dbcp2 and commons-pool2 of the
     * test class path (the versions pom.xml names), and commons-logging, which pom.xml replaces by jcl-over-slf4j,
     * from the local Maven repository in the version commons-dbcp2 declares.
     */
    static List<Path> poolJars() throws Exception {
        Path logging = Path.of(System.getProperty("maven.repo.local",
                        Path.of(System.getProperty("user.home"), ".m2", "repository").toString()),
                "commons-logging", "commons-logging", COMMONS_LOGGING, "commons-logging-" + COMMONS_LOGGING + ".jar");
        if (!Files.isRegularFile(logging)) {
            throw new AssertionError("No " + logging + " (mvn dependency:get"
                    + " -Dartifact=commons-logging:commons-logging:" + COMMONS_LOGGING + ")");
        }
        return List.of(pgDriver(), jarOf(org.apache.commons.dbcp2.BasicDataSource.class),
                jarOf(org.apache.commons.pool2.ObjectPool.class), logging);
    }

    /** The commons-logging that commons-dbcp2 2.13.0 declares. */
    private static final String COMMONS_LOGGING = "1.3.4";

    private static Path jarOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /**
     * The environment every node shares: the database, the secret, Twilio at the stand-in (under this node's
     * path), no send intervals, and address budgets that one test machine (every user at 127.0.0.1) does not
     * exhaust. The per-user and per-number sends stay at Twostep's default of 5 per window.
     */
    static Map<String, String> environment(String dbUrl, String twilioBaseUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("TWOSTEP_DB_URL", dbUrl);
        env.put("TWOSTEP_DB_POOL_SIZE", "4");
        env.put("TWOSTEP_SECRET", SECRET);
        env.put("TWILIO_ACCOUNT_SID", "AC" + "0123456789abcdef".repeat(2));
        env.put("TWILIO_AUTH_TOKEN", "cluster-auth-token");
        env.put("TWILIO_FROM_NUMBER", "+15005550006");
        env.put("TWILIO_BASE_URL", twilioBaseUrl);
        for (String what : List.of("USER", "NUMBER", "ADDRESS")) {
            env.put("TWOSTEP_LIMITS_" + what + "_INTERVAL_SECONDS", "0");
        }
        env.put("TWOSTEP_LIMITS_ADDRESS_SENDS", "1000");
        env.put("TWOSTEP_LIMITS_ADDRESS_CONFIRMED_SENDS", "1000");
        env.put("TWOSTEP_LIMITS_NUMBER_NEW_SENDS_PER_DAY", "1000");
        env.put("TWOSTEP_LIMITS_PASSWORD_FAILURES_PER_ADDRESS", "1000");
        return env;
    }

    Node node(int number) {
        return nodes.get(number - 1);
    }

    String haproxyConfig() {
        return proxy.config;
    }

    static WebClient browser() {
        WebClient client = new WebClient();
        client.getOptions().setThrowExceptionOnFailingStatusCode(false);
        client.getOptions().setJavaScriptEnabled(false);
        client.getOptions().setCssEnabled(false);
        client.getCache().setMaxSize(0);
        return client;
    }

    /** One number of the query's single row and column, in the cluster's schema. */
    long count(String query, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(pgUrl);
             Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            try (PreparedStatement p = c.prepareStatement(query)) {
                for (int i = 0; i < args.length; i++) {
                    p.setObject(i + 1, args[i]);
                }
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return r.getLong(1);
                }
            }
        }
    }

    static void sql(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        proxy.close();
        for (Node node : nodes) {
            node.close();
        }
        sms.close();
        dropSchemas(pgUrl, schema);
    }

    /**
     * Where Jetty keeps its sessions table: a schema of its own next to Twostep's. Jetty creates the table when
     * the web app's session handler starts, before Twostep migrates its schema, and Flyway refuses to start on
     * a schema that holds tables but no history of its own.
     */
    static String sessionsSchema(String schema) {
        return schema + "_sessions";
    }

    private static void dropSchemas(String pgUrl, String schema) throws SQLException {
        sql(pgUrl, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        sql(pgUrl, "DROP SCHEMA IF EXISTS " + sessionsSchema(schema) + " CASCADE");
    }
}
