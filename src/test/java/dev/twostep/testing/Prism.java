package dev.twostep.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Where the Prism mock of Twilio's REST API runs. .ci/run installs Prism, starts it on Twilio's own
 * OpenAPI description (../shared/twilio-oai/twilio_api_v2010.json) and passes its URL in
 * TWOSTEP_TEST_PRISM_URL; it fails the build when these tests were skipped. Elsewhere they skip with a
 * message that says how to run them.
 */
public final class Prism {
    public static final String ENV = "TWOSTEP_TEST_PRISM_URL";
    /** A syntactically valid Account SID: Prism checks path parameters against the spec's patterns. */
    public static final String ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);

    private Prism() {
    }

    /** Prism's base URL; aborts (skips) the calling test when there is none. */
    public static String url() {
        String url = System.getenv(ENV);
        if (url == null || url.isBlank()) {
            url = System.getProperty("twostep.test.prism.url");
        }
        Path spec = Path.of("..", "shared", "twilio-oai", "twilio_api_v2010.json");
        Assumptions.assumeTrue(url != null && !url.isBlank(), () -> "Twilio contract tests skipped: no Prism mock."
                + (Files.exists(spec) ? "" : " Twilio's API description is not at " + spec.toAbsolutePath() + ".")
                + " Run .ci/run, or start `prism mock --host 127.0.0.1 --port 4010 ../shared/twilio-oai/"
                + "twilio_api_v2010.json` and set " + ENV + "=http://127.0.0.1:4010");
        return url.trim();
    }
}
