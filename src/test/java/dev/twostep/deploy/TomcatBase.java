package dev.twostep.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fresh CATALINA_BASE over the Tomcat distribution that `mvn verify` unpacks, listening on one
 * loopback port, and the command that starts Tomcat on it in its own process (as catalina.sh would).
 * Public for the Tomcat nodes of the cluster tests (dev.twostep.cluster.TomcatNode).
 */
public final class TomcatBase {
    public final Path home;
    public final Path base;
    public final int port;

    private TomcatBase(Path home, Path base, int port) {
        this.home = home;
        this.base = base;
        this.port = port;
    }

    /** Empties {@code base} and gives it the distribution's conf/, with the HTTP connector on a free port. */
    public static TomcatBase create(Path base) throws IOException {
        Path home = ContainerProcess.home("twostep.tomcat.home");
        ContainerProcess.deleteTree(base);
        for (String dir : List.of("logs", "temp", "work", "webapps", "lib", "conf/Catalina/localhost")) {
            Files.createDirectories(base.resolve(dir));
        }
        ContainerProcess.copyTree(home.resolve("conf"), base.resolve("conf"));
        int port = ContainerProcess.freePort();
        Path serverXml = base.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"-1\"")
                .replace("port=\"8080\"", "port=\"" + port + "\" address=\"127.0.0.1\""));
        return new TomcatBase(home, base, port);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts Tomcat on this base, its output in logs/{@code logName}. */
    ContainerProcess start(Map<String, String> env, String logName) throws IOException {
        return ContainerProcess.start(command(List.of()), base, env, base.resolve("logs").resolve(logName));
    }

    /** The command that starts Tomcat on this base in its own JVM, with these JVM options (-Xmx, -D...). */
    public List<String> command(List<String> jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java,
                // As catalina.sh starts Tomcat on Java 17, so its leak protection works.
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base,
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
                "-Djava.io.tmpdir=" + base.resolve("temp")));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-cp", home.resolve("bin/bootstrap.jar") + ":" + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start"));
        return command;
    }

    /**
     * The guard's jar folders (target/twostep-guard/) a host app here gets: the guard, the SQLite driver and
     * an SLF4J binding, which Tomcat has none of and without which the codes never reach the log. No Twilio
     * SDK: the codes go to the log.
     */
    static final List<String> GUARD_JARS = List.of("lib", "optional/sqlite", "optional/logging");

    /**
     * A copy of the sample host app src/test/webapps/form-host at {@code dir}: its page class, the guard's
     * jars ({@link #GUARD_JARS}) and a META-INF/context.xml with this body
     * (and these attributes, such as {@code useNaming="false"}, on its Context element).
     */
    static void formHost(Path dir, String contextXmlBody, String... contextAttributes) throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        ContainerProcess.copyTree(Path.of("src/test/webapps/form-host"), dir);
        Path classes = dir.resolve("WEB-INF/classes/dev/twostep/host");
        Files.createDirectories(classes);
        Files.copy(target.resolve("test-classes/dev/twostep/host/HostPageServlet.class"),
                classes.resolve("HostPageServlet.class"));
        for (String jars : GUARD_JARS) {
            ContainerProcess.copyTree(target.resolve("twostep-guard").resolve(jars), dir.resolve("WEB-INF/lib"));
        }
        Files.createDirectories(dir.resolve("META-INF"));
        Files.writeString(dir.resolve("META-INF/context.xml"), "<Context" + String.join("", contextAttributes) + ">\n"
                + contextXmlBody + "</Context>\n");
    }
}
