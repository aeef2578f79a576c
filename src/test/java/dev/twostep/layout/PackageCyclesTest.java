package dev.twostep.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Twostep's packages form layers, the guard under the pages and the standalone app on top: no package may
 * depend on itself through others. Read from the compiled classes by the JDK's jdeps, so every reference
 * counts, imports or not.
 */
class PackageCyclesTest {
    private static final Pattern EDGE = Pattern.compile("^\\s*(dev\\.twostep\\.[\\w.]+)\\s+->\\s+(dev\\.twostep\\.[\\w.]+)");

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        Path classes = Path.of("target/classes");
        assertTrue(Files.isDirectory(classes.resolve("dev/twostep")), "compile first: " + classes.toAbsolutePath());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:package", "-filter:none",
                classes.toString());
        assertEquals(0, status, out.toString());

        Map<String, Set<String>> uses = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                uses.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        assertTrue(uses.size() > 5, "jdeps named too few packages to check anything:\n" + out);
        List<String> cycles = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : uses.entrySet()) {
            for (String used : e.getValue()) {
                if (reaches(uses, used, e.getKey())) {
                    cycles.add(e.getKey() + " -> " + used + " -> ... -> " + e.getKey());
                }
            }
        }
        assertEquals(List.of(), cycles);
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String to) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String p = todo.remove(todo.size() - 1);
            if (p.equals(to)) {
                return true;
            }
            if (seen.add(p)) {
                todo.addAll(uses.getOrDefault(p, Set.of()));
            }
        }
        return false;
    }
}
