package dev.twostep.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Sample host apps changed for one test, and what a refused start-up said. */
public final class Webapps {
    private Webapps() {
    }

    /** A copy of the sample webapp folder {@code sample} in a new temporary folder, its web.xml changed. */
    public static Path copy(Path sample, UnaryOperator<String> webXml) {
        try {
            Path dir = Files.createTempDirectory("webapp-" + sample.getFileName());
            try (Stream<Path> files = Files.walk(sample)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path to = dir.resolve(sample.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
            Path xml = dir.resolve("WEB-INF/web.xml");
            Files.writeString(xml, webXml.apply(Files.readString(xml)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The web.xml text from {@code start} (included) to the first {@code end} after it (included) taken out. */
    public static String without(String xml, String start, String end) {
        int from = xml.indexOf(start);
        if (from < 0) {
            throw new IllegalArgumentException("web.xml has no " + start);
        }
        int to = xml.indexOf(end, from) + end.length();
        return xml.substring(0, from) + xml.substring(to);
    }

    /** The web.xml without the context-param named {@code name}. */
    public static String withoutContextParam(String xml, String name) {
        int at = xml.indexOf("<param-name>" + name + "</param-name>");
        if (at < 0) {
            throw new IllegalArgumentException("web.xml sets no context-param " + name);
        }
        int start = xml.lastIndexOf("<context-param>", at);
        int end = xml.indexOf("</context-param>", at) + "</context-param>".length();
        return xml.substring(0, start) + xml.substring(end);
    }

    /** Every message in the cause chain, so the container's wrapping does not hide the one that matters. */
    public static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    /**
     * A Jetty 12 context file deploying a host app at {@code /host} with a HashLoginService named "host" (the
     * sample hosts' realm-name) over a users file.
     *
     * @param war the app (a path, or a Jetty property expression)
     * @param extraClasspath jars to add to the app's class path, or null
     */
    public static String jettyHostContext(String war, String extraClasspath, Path users) {
        return """
                <?xml version="1.0"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure id="host" class="org.eclipse.jetty.ee10.webapp.WebAppContext">
                  <Set name="contextPath">/host</Set>
                  <Set name="war">%s</Set>
                %s  <Call class="org.eclipse.jetty.util.resource.ResourceFactory" name="of">
                    <Arg><Ref refid="host"/></Arg>
                    <Call id="users" name="newResource"><Arg>%s</Arg></Call>
                  </Call>
                  <Get name="securityHandler">
                    <Set name="loginService">
                      <New class="org.eclipse.jetty.security.HashLoginService">
                        <Set name="name">host</Set>
                        <Set name="config"><Ref refid="users"/></Set>
                      </New>
                    </Set>
                  </Get>
                </Configure>
                """.formatted(war, extraClasspath == null ? ""
                        : "  <Set name=\"extraClasspath\">" + extraClasspath + "</Set>\n", users);
    }
}
