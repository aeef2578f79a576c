package dev.twostep.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.commons.dbcp2.BasicDataSource;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.htmlunit.WebClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.twostep.config.Settings;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.CodeSender;

/**
 * JUnit 5 extension: the Twostep webapp (webapp/WEB-INF/web.xml, as deployed) on embedded Jetty 12
 * (ee10), on a free port, once per test class, over a fresh SQLite file. A recording sender and a
 * movable clock stand in for Twilio and time. Each test gets fresh HtmlUnit clients, so no cookie leaks
 * from one test to the next.
 */
public final class TwostepServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    public static final String CONTEXT = "/app";
    /**
     * Send limits out of the way of the flow tests, which send many codes from one address to one test
     * number, and resend at once. The limit tests (dev.twostep.attack) set the limits they test.
     */
    public static final Map<String, String> RELAXED_LIMITS = relaxed(
            "twostep.limits.user.interval-seconds", "0", "twostep.limits.user.sends", "1000",
            "twostep.limits.number.interval-seconds", "0", "twostep.limits.number.sends", "1000",
            "twostep.limits.address.interval-seconds", "0", "twostep.limits.address.sends", "1000",
            "twostep.limits.password-failures-per-address", "1000",
            "twostep.limits.number.new-sends-per-day", "1000", "twostep.limits.address.confirmed-sends", "1000",
            "twostep.limits.user.sends-per-day", "1000");

    private static Map<String, String> relaxed(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return Map.copyOf(map);
    }

    private final Map<String, String> settings;
    private String contextPath = CONTEXT;
    private final Map<String, String> environment = new HashMap<>();
    private boolean recording = true;
    private Path webappDir = Path.of(System.getProperty("twostep.webapp.dir", "webapp"));
    private java.util.function.Consumer<Server> serverSetup = server -> { };
    private java.util.function.Consumer<WebAppContext> webappSetup = webapp -> { };
    private String databaseKind = TestDatabases.SQLITE;
    private java.util.function.Consumer<DataSource> databaseSetup = dataSource -> { };
    private Map<String, String> params;
    private boolean behindProxy;
    private final RecordingSender sender = new RecordingSender();
    private final MutableClock clock = new MutableClock();
    private final List<WebClient> clients = new ArrayList<>();
    private Server jetty;
    private Path dir;
    private BasicDataSource testPool;
    private String baseUrl;

    public TwostepServer() {
        this(Map.of());
    }

    public TwostepServer(Map<String, String> settings) {
        this.settings = settings;
    }

    /**
     * Environment variables as the app will see them (for secrets such as TWILIO_AUTH_TOKEN, which are
     * read from the environment only).
     */
    public TwostepServer environment(Map<String, String> env) {
        environment.putAll(env);
        return this;
    }

    /**
     * Serves another webapp folder instead of Twostep's own: a host app with the guard added by its web.xml.
     *
     * @param setup extra set-up of the server, such as the host's login service
     */
    public TwostepServer webapp(Path dir, java.util.function.Consumer<Server> setup) {
        this.webappDir = dir;
        this.serverSetup = setup;
        return this;
    }

    /** Extra set-up of the webapp before it starts, such as an initializer of the host's. */
    public TwostepServer webappSetup(java.util.function.Consumer<WebAppContext> setup) {
        this.webappSetup = setup;
        return this;
    }

    /**
     * Puts the server behind a (simulated) TLS-terminating proxy: it believes X-Forwarded-Proto and
     * X-Forwarded-For, as Jetty's ForwardedRequestCustomizer does in such a deployment.
     */
    public TwostepServer behindProxy() {
        behindProxy = true;
        return this;
    }

    /** Serves the app at this context path ("" for the root) instead of {@value #CONTEXT}. */
    public TwostepServer contextPath(String path) {
        contextPath = path;
        return this;
    }

    /**
     * Runs the app on a fresh database of this kind ({@link TestDatabases#SQLITE}, the default, or
     * {@link TestDatabases#POSTGRESQL}: a schema of its own, dropped after; the test class is skipped when no
     * PostgreSQL test URL is set).
     */
    public TwostepServer database(String kind) {
        databaseKind = kind;
        return this;
    }

    /**
     * Work on the database before the app opens it, and so before the app migrates it: for instance the schema
     * and rows an older release left. The DataSource is closed when the set-up returns.
     */
    public TwostepServer databaseSetup(java.util.function.Consumer<DataSource> setup) {
        databaseSetup = setup;
        return this;
    }

    /** Lets the app build its own sender from the settings (e.g. Twilio) instead of the recording one. */
    public TwostepServer realSender() {
        recording = false;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                !TestDatabases.POSTGRESQL.equals(databaseKind) || TestDatabases.pgUrl() != null,
                "PostgreSQL tests skipped: set TWOSTEP_TEST_PG_URL (or -Dtwostep.test.pg.url) to run them");
        dir = Files.createTempDirectory("twostep-it");
        Map<String, String> base = new HashMap<>();
        // The flows use US and UK numbers; the default allows the default region (US) only.
        base.put("twostep.phone.allowed-regions", "US,GB");
        base.putAll(RELAXED_LIMITS);
        base.putAll(settings);
        params = new HashMap<>(TestDatabases.settings(databaseKind, dir, base));
        try (BasicDataSource before = new BasicDataSource()) {
            before.setUrl(params.get("twostep.db.url"));
            databaseSetup.accept(before);
        }
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath.isEmpty() ? "/" : contextPath);
        webapp.setBaseResourceAsPath(webappDir.toAbsolutePath());
        webapp.setParentLoaderPriority(true);
        // Overrides web.xml's context-params, as an operator's override descriptor would.
        Path override = dir.resolve("override-web.xml");
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n");
        params.forEach((name, value) -> xml.append("  <context-param><param-name>").append(xmlText(name))
                .append("</param-name><param-value>").append(xmlText(value)).append("</param-value></context-param>\n"));
        xml.append("</web-app>\n");
        Files.writeString(override, xml);
        webapp.addOverrideDescriptor(override.toUri().toString());
        if (recording) {
            webapp.setAttribute(CodeSender.class.getName(), sender);
        }
        Map<String, String> env = Map.copyOf(environment);
        // The test's settings over the webapp's own context-params, as an override descriptor would.
        webapp.setAttribute(Settings.class.getName(), new Settings(
                name -> params.containsKey(name) ? params.get(name) : webapp.getInitParameter(name), env));
        webapp.setAttribute(Clock.class.getName(), clock);
        webapp.setThrowUnavailableOnStartupException(true);
        webappSetup.accept(webapp);

        jetty = new Server();
        serverSetup.accept(jetty);
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        if (behindProxy) {
            http.addCustomizer(new org.eclipse.jetty.server.ForwardedRequestCustomizer());
        }
        ServerConnector connector = new ServerConnector(jetty, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(webapp);
        jetty.start();
        baseUrl = "http://127.0.0.1:" + connector.getLocalPort() + contextPath;

        testPool = new BasicDataSource();
        testPool.setUrl(params.get("twostep.db.url"));
    }

    private static String xmlText(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
        if (testPool != null) {
            testPool.close();
        }
        if (params != null) {
            TestDatabases.drop(params);
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        sender.reset();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(WebClient::close);
        clients.clear();
    }

    /** A fresh browser with its own cookies; error statuses come back as pages, not exceptions. */
    public WebClient newClient() {
        WebClient client = new WebClient();
        client.getOptions().setThrowExceptionOnFailingStatusCode(false);
        client.getOptions().setCssEnabled(false);
        // No HTTP cache: a login page a container serves by forward must not stand in for the page after it.
        client.getCache().setMaxSize(0);
        client.getOptions().setJavaScriptEnabled(false);
        clients.add(client);
        return client;
    }

    /**
     * A fresh browser that says it comes from this address (X-Forwarded-For), for a server that trusts the
     * test client as a proxy ({@code twostep.trusted-proxies=127.0.0.1}).
     */
    public WebClient newClientFrom(String address) {
        WebClient client = newClient();
        client.addRequestHeader("X-Forwarded-For", address);
        return client;
    }

    /** The app's URL for a path: base URL plus the context path. */
    public String url(String path) {
        return baseUrl + path;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public RecordingSender sender() {
        return sender;
    }

    public MutableClock clock() {
        return clock;
    }

    /** Direct access to the app's database, to check what landed there. */
    public Jdbc jdbc() {
        return new Jdbc(dataSource());
    }

    public DataSource dataSource() {
        return testPool;
    }

    public long count(String sql, Object... params) {
        return jdbc().queryOne("test count", sql, Jdbc.params(params), rs -> rs.getLong(1)).orElse(0L);
    }

}
