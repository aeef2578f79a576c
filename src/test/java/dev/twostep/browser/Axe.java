package dev.twostep.browser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * axe-core (from npm, file {@code axe.min.js}, named by {@code TWOSTEP_TEST_AXE_JS} or
 * {@code -Dtwostep.test.axe.js}) run on each page a walk reaches. It collects the violations of every page,
 * so one walk reports them all, and {@link #assertNone()} fails the test when there is any.
 */
final class Axe {
    private static final String RUN = """
            const done = arguments[arguments.length - 1];
            axe.run(document).then(r => done({
              version: axe.version,
              violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: JSON.stringify(n.target), html: n.html,
                                          summary: n.failureSummary}))
              }))
            }), e => done({error: String(e && e.stack || e)}));
            """;

    private final String source;
    private final Map<String, List<String>> violations = new LinkedHashMap<>();
    private final List<String> checked = new ArrayList<>();
    private String version;

    private Axe(String source) {
        this.source = source;
    }

    static Path script() {
        String path = Chromium.setting("twostep.test.axe.js", "TWOSTEP_TEST_AXE_JS", "");
        return path.isEmpty() ? null : Path.of(path);
    }

    /** Skips the calling test, saying what to install, when axe-core is not there. */
    static Axe load() throws IOException {
        Path script = script();
        Chromium.assumeOrSay(script != null && Files.isReadable(script),
                "Browser tests skipped: no axe-core (set TWOSTEP_TEST_AXE_JS to the axe.min.js of npm's axe-core"
                        + (script == null ? "" : "; " + script + " is not readable") + "; .ci/run installs it)");
        return new Axe(Files.readString(script, StandardCharsets.UTF_8));
    }

    /**
     * Runs axe on the page the browser shows and keeps its violations under this name. The script goes in
     * through WebDriver, which Chromium runs as the debugger would: the page's Content-Security-Policy
     * ({@code default-src 'none'}, no inline script) does not apply to it, and the app's CSP stays as it is
     * ({@code SignInWalkBrowserIT.axeRunsUnderTheAppsContentSecurityPolicy} checks both).
     */
    @SuppressWarnings("unchecked")
    void check(Chromium browser, String page) {
        String where = page + " (" + browser.path() + ")";
        checked.add(where);
        List<String> found = new ArrayList<>();
        for (Map<String, Object> v : run(browser)) {
            StringBuilder line = new StringBuilder().append(v.get("id")).append(" [").append(v.get("impact"))
                    .append("] ").append(v.get("help")).append(" <").append(v.get("helpUrl")).append('>');
            for (Map<String, Object> node : (List<Map<String, Object>>) v.get("nodes")) {
                line.append("\n      target ").append(node.get("target")).append("  ").append(node.get("html"))
                        .append("\n        ").append(String.valueOf(node.get("summary")).replace("\n", "\n        "));
            }
            found.add(line.toString());
        }
        if (!found.isEmpty()) {
            violations.put(where, found);
        }
    }

    /** The ids of the rules the page shown violates, without keeping them. */
    List<String> violatedRules(Chromium browser) {
        return run(browser).stream().map(v -> String.valueOf(v.get("id"))).toList();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> run(Chromium browser) {
        var driver = browser.driver();
        if (!Boolean.TRUE.equals(driver.executeScript("return typeof window.axe === 'object'"))) {
            driver.executeScript(source);
        }
        Map<String, Object> result = (Map<String, Object>) driver.executeAsyncScript(RUN);
        if (result.get("error") != null) {
            throw new AssertionError("axe.run failed at " + browser.path() + ": " + result.get("error"));
        }
        version = String.valueOf(result.get("version"));
        return (List<Map<String, Object>>) result.get("violations");
    }

    /** Every violation found so far, page by page; empty when there is none. */
    String report() {
        StringBuilder out = new StringBuilder();
        violations.forEach((page, list) -> {
            out.append(page).append(": ").append(list.size()).append(" violation(s)\n");
            list.forEach(v -> out.append("  ").append(v).append('\n'));
        });
        return out.toString();
    }

    /** Fails with every violation of every page checked, printed as well, when axe found any. */
    void assertNone() {
        String report = report();
        if (!report.isEmpty()) {
            System.out.println("axe-core " + version + " violations:\n" + report);
            throw new AssertionError("axe-core " + version + " found violations on " + violations.size() + " of "
                    + checked.size() + " pages:\n" + report);
        }
        System.out.println("axe-core " + version + ": no violations on " + checked.size() + " pages: " + checked);
    }
}
