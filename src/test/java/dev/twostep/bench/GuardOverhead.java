package dev.twostep.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The guard's overhead on Tomcat, measured with wrk: one static file, twice, behind the same container FORM
 * login (a Tomcat MemoryRealm) in one host app that has the guard jars, once under a path the guard is mapped
 * to and once under a path it is not, both fetched with the same verified session. wrk runs alternating
 * rounds on each path; Tomcat's CPU time per request comes from /proc.
 */
final class GuardOverhead {
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password";
    private static final String PHONE = "+14155551999";
    /** As the form-host sample app (src/test/webapps/form-host), with static pages instead of its servlet. */
    private static final String WEB_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0" metadata-complete="true">
              <context-param>
                <param-name>twostep.identity</param-name>
                <param-value>container</param-value>
              </context-param>
              <context-param>
                <param-name>twostep.success-url</param-name>
                <param-value>/s/guarded/page.html</param-value>
              </context-param>
              <listener>
                <listener-class>dev.twostep.web.TwostepListener</listener-class>
              </listener>
              <filter>
                <filter-name>twostep</filter-name>
                <filter-class>dev.twostep.guard.TwoStepFilter</filter-class>
              </filter>
              <filter>
                <filter-name>twostep-csrf</filter-name>
                <filter-class>dev.twostep.web.CsrfFilter</filter-class>
              </filter>
              <!-- The guard on one copy of the page only. -->
              <filter-mapping>
                <filter-name>twostep</filter-name>
                <url-pattern>/s/guarded/*</url-pattern>
              </filter-mapping>
              <filter-mapping>
                <filter-name>twostep-csrf</filter-name>
                <url-pattern>/twostep/*</url-pattern>
              </filter-mapping>
              <servlet>
                <servlet-name>twostep-code</servlet-name>
                <servlet-class>dev.twostep.web.CodeServlet</servlet-class>
              </servlet>
              <servlet>
                <servlet-name>twostep-enroll</servlet-name>
                <servlet-class>dev.twostep.web.EnrollServlet</servlet-class>
              </servlet>
              <servlet>
                <servlet-name>twostep-static</servlet-name>
                <servlet-class>dev.twostep.web.StaticServlet</servlet-class>
              </servlet>
              <servlet-mapping>
                <servlet-name>twostep-code</servlet-name>
                <url-pattern>/twostep/code</url-pattern>
              </servlet-mapping>
              <servlet-mapping>
                <servlet-name>twostep-enroll</servlet-name>
                <url-pattern>/twostep/enroll</url-pattern>
              </servlet-mapping>
              <servlet-mapping>
                <servlet-name>twostep-static</servlet-name>
                <url-pattern>/twostep/static/*</url-pattern>
              </servlet-mapping>
              <!-- Both copies behind the same container login. -->
              <security-constraint>
                <web-resource-collection>
                  <web-resource-name>pages</web-resource-name>
                  <url-pattern>/s/*</url-pattern>
                </web-resource-collection>
                <auth-constraint>
                  <role-name>user</role-name>
                </auth-constraint>
              </security-constraint>
              <login-config>
                <auth-method>FORM</auth-method>
                <realm-name>host</realm-name>
                <form-login-config>
                  <form-login-page>/login.html</form-login-page>
                  <form-error-page>/login-error.html</form-error-page>
                </form-login-config>
              </login-config>
              <security-role>
                <role-name>user</role-name>
              </security-role>
              <session-config>
                <tracking-mode>COOKIE</tracking-mode>
              </session-config>
            </web-app>
            """;

    /** One wrk round. */
    record Round(String path, double requestsPerSecond, long requests, double cpuMicrosPerRequest, long errors,
                 String latency) {
    }

    private GuardOverhead() {
    }

    static boolean wrkInstalled() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(5, TimeUnit.SECONDS);
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static List<Round> run(Path work, List<String> jvm, Map<String, String> env, TwilioStandIn twilio, int rounds,
                           Duration each, int connections) throws Exception {
        Path base = work.resolve("tomcat-guard");
        int port = ServerProcess.makeTomcatBase(base);
        hostApp(base.resolve("webapps/host"));
        Files.writeString(base.resolve("conf/host-users.xml"), "<tomcat-users>\n  <role rolename=\"user\"/>\n"
                + "  <user username=\"" + USER + "\" password=\"" + PASSWORD + "\" roles=\"user\"/>\n</tomcat-users>\n");
        List<Round> result = new ArrayList<>();
        try (ServerProcess tomcat = ServerProcess.startTomcat(base, port, jvm, env)) {
            Duration up = tomcat.awaitOk("/host/login.html", Duration.ofSeconds(120));
            String cookie = signIn(tomcat.url("/host"), twilio);
            System.out.printf(Locale.ROOT, "Guard overhead on %s (up in %.1f s): wrk, %d connections, %d s per round,"
                    + " one verified session%n", ServerProcess.tomcatHome().getFileName(), up.toNanos() / 1e9,
                    connections, each.toSeconds());
            // A warm-up round of each, not counted.
            for (String path : List.of("/host/s/plain/page.html", "/host/s/guarded/page.html")) {
                wrk(tomcat, path, cookie, each, connections);
            }
            for (int r = 0; r < rounds; r++) {
                for (String path : List.of("/host/s/plain/page.html", "/host/s/guarded/page.html")) {
                    Round round = wrk(tomcat, path, cookie, each, connections);
                    result.add(round);
                    System.out.printf(Locale.ROOT, "  %-26s %8.0f req/s  %6.1f µs CPU/request  %s%s%n", round.path(),
                            round.requestsPerSecond(), round.cpuMicrosPerRequest(), round.latency(),
                            round.errors() == 0 ? "" : "  " + round.errors() + " non-2xx answers");
                }
            }
            // wrk counts only 4xx and 5xx as errors: check the session still opens the guarded page (a lost one
            // would have been redirected).
            Browser.Page still = new Browser(HttpClient.newHttpClient(), tomcat.url("/host"), Duration.ofSeconds(30))
                    .withCookie(cookie).get("/s/guarded/page.html");
            require(still.status() == 200 && still.body().contains("static page"), "the session after the rounds",
                    still);
        }
        System.out.println();
        return result;
    }

    private static Round wrk(ServerProcess tomcat, String path, String cookie, Duration time, int connections)
            throws Exception {
        double cpu0 = tomcat.cpuMillis();
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + time.toSeconds() + "s",
                "-H", "Cookie: " + cookie, tomcat.url(path)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        double cpu1 = tomcat.cpuMillis();
        Matcher total = Pattern.compile("(\\d+) requests in").matcher(out);
        Matcher rate = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        Matcher bad = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        Matcher latency = Pattern.compile("Latency\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)").matcher(out);
        if (!total.find() || !rate.find()) {
            throw new IllegalStateException("wrk said:\n" + out);
        }
        long requests = Long.parseLong(total.group(1));
        return new Round(path.substring("/host".length()), Double.parseDouble(rate.group(1)), requests,
                (cpu1 - cpu0) * 1000 / requests, bad.find() ? Long.parseLong(bad.group(1)) : 0,
                latency.find() ? "latency avg " + latency.group(1) + " (stdev " + latency.group(2) + ")" : "");
    }

    /**
     * Container login, then the guard's enrollment and code (the code from the stand-in); returns the cookie
     * of the verified session, checked on the guarded page.
     */
    private static String signIn(String base, TwilioStandIn twilio) throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        Browser b = new Browser(http, base, Duration.ofSeconds(30));
        Browser.Page login = b.get("/s/guarded/page.html");
        require(login.status() == 200 && login.body().contains("j_security_check"), "login page", login);
        Browser.Page checked = b.post("/j_security_check", "j_username", USER, "j_password", PASSWORD);
        require(checked.status() / 100 == 3, "container login", checked);
        // The guard sends a user without a phone to enrollment (through the code page).
        Browser.Page enroll = b.get("/s/guarded/page.html");
        for (int i = 0; i < 3 && enroll.status() / 100 == 3; i++) {
            enroll = b.get(enroll.location().substring(enroll.location().indexOf("/twostep/")));
        }
        require(enroll.status() == 200 && enroll.csrf() != null && enroll.body().contains("name=\"phone\""),
                "enrollment page", enroll);
        Browser.Page enrolled = b.post("/twostep/enroll", "twostep_csrf", enroll.csrf(), "phone", PHONE, "channel", "sms");
        require(enrolled.status() == 303, "enrollment", enrolled);
        Browser.Page code = b.get("/twostep/code");
        String sent = twilio.takeCode(PHONE);
        require(code.status() == 200 && sent != null, "code page and code", code);
        Browser.Page verified = b.post("/twostep/code", "twostep_csrf", code.csrf(), "action", "verify", "code", sent);
        require(verified.status() == 303, "code", verified);
        Browser.Page page = b.get("/s/guarded/page.html");
        require(page.status() == 200 && page.body().contains("static page"), "guarded page", page);
        Browser.Page plain = b.get("/s/plain/page.html");
        require(plain.status() == 200 && plain.body().contains("static page"), "unguarded page", plain);
        return "JSESSIONID=" + b.cookie("JSESSIONID");
    }

    private static void require(boolean ok, String what, Browser.Page page) {
        if (!ok) {
            throw new IllegalStateException("guard bench sign-in failed at " + what + ": " + page.status() + " to "
                    + page.location() + " " + SignInLoad.snippet(page.body()));
        }
    }

    /**
     * The host app: the guard's jars, the form-host sample's login page, and the same static page at
     * /s/plain/ and /s/guarded/, both behind the container login, the guard mapped to the second only.
     */
    private static void hostApp(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("WEB-INF/lib"));
        // The guard, the SQLite driver, the Twilio SDK (codes go to the stand-in) and an SLF4J binding.
        for (String folder : List.of("lib", "optional/sqlite", "optional/twilio", "optional/logging")) {
            try (Stream<Path> jars = Files.list(Path.of("target/twostep-guard").resolve(folder))) {
                for (Path jar : (Iterable<Path>) jars::iterator) {
                    Files.copy(jar, dir.resolve("WEB-INF/lib").resolve(jar.getFileName().toString()));
                }
            }
        }
        Files.copy(Path.of("src/test/webapps/form-host/login.html"), dir.resolve("login.html"));
        Files.copy(Path.of("src/test/webapps/form-host/login-error.html"), dir.resolve("login-error.html"));
        String page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page</title></head>"
                + "<body><p>A static page behind the container login.</p></body></html>\n";
        for (String sub : List.of("s/plain", "s/guarded")) {
            Files.createDirectories(dir.resolve(sub));
            Files.writeString(dir.resolve(sub).resolve("page.html"), page);
        }
        Files.createDirectories(dir.resolve("META-INF"));
        Files.writeString(dir.resolve("META-INF/context.xml"), "<Context>\n"
                + "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n"
                + "</Context>\n");
        Files.createDirectories(dir.resolve("WEB-INF"));
        Files.writeString(dir.resolve("WEB-INF/web.xml"), WEB_XML);
    }
}
