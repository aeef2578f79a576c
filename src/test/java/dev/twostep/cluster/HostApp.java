package dev.twostep.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import dev.twostep.testing.Webapps;

/**
 * The sample host app src/test/webapps/form-host (container FORM login, the guard added by its web.xml) as a
 * cluster's web app at /host: an exploded WAR with its page class and the guard's jar folders in WEB-INF/lib,
 * and a context file webapps/host.xml that gives it a HashLoginService over a realm properties file, the same
 * on every node. Both sit next to the base, in target/cluster/&lt;name&gt;/.
 */
final class HostApp implements Cluster.Webapp {
    /** The guard's jar folders (target/twostep-guard/) the host app gets: PostgreSQL, Twilio, an SLF4J binding. */
    static final List<String> GUARD_JARS = List.of("lib", "optional/postgresql", "optional/twilio", "optional/logging");
    /** The host's users, each with the password {@code <name>-password} and the role user. */
    static final List<String> USERS = List.of("erin", "fred", "gina", "hank");

    @Override
    public String context() {
        return "/host";
    }

    static String password(String user) {
        return user + "-password";
    }

    @Override
    public void deployInto(Path base) throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Path app = base.resolveSibling("host-app");
        Node.deleteTree(app);
        copyTree(Path.of("src/test/webapps/form-host"), app);
        Path classes = app.resolve("WEB-INF/classes/dev/twostep/host");
        Files.createDirectories(classes);
        Files.copy(target.resolve("test-classes/dev/twostep/host/HostPageServlet.class"),
                classes.resolve("HostPageServlet.class"));
        for (String jars : GUARD_JARS) {
            copyTree(target.resolve("twostep-guard").resolve(jars), app.resolve("WEB-INF/lib"));
        }
        Path realm = base.resolveSibling("host-realm.properties");
        StringBuilder users = new StringBuilder();
        for (String user : USERS) {
            users.append(user).append(": ").append(password(user)).append(",user\n");
        }
        Files.writeString(realm, users);
        // The realm's name is the web.xml's realm-name. Each node reads the same file; in production each
        // node has its copy, or the host's own login service (JDBC, LDAP), the same on every node.
        Files.writeString(base.resolve("webapps/host.xml"), Webapps.jettyHostContext(app.toString(), null,
                realm));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
