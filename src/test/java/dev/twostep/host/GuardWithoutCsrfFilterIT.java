package dev.twostep.host;

import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;

/**
 * A host app that forgot to map Twostep's CSRF filter: the guard's own pages still refuse a POST without
 * the session's token. The app is the session-host sample with the CSRF filter mapping taken out.
 */
class GuardWithoutCsrfFilterIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of()).webapp(withoutCsrfMapping(), server -> { });

    private static Path withoutCsrfMapping() {
        return Webapps.copy(Path.of("src/test/webapps/session-host"), xml -> Webapps.without(xml,
                "<filter-mapping>\n    <filter-name>twostep-csrf</filter-name>", "</filter-mapping>"));
    }

    @Test
    void theGuardsFormsRefuseAPostWithoutTheToken() throws Exception {
        WebClient browser = SERVER.newClient();
        HtmlPage form = browser.getPage(SERVER.url("/signin"));
        type(form, "u", "bob");
        type(form, "p", "bob-password");
        HtmlPage enroll = submitFormOf(form, "u");
        assertEquals("/app/twostep/enroll", enroll.getUrl().getPath());
        String cookie = "JSESSIONID=" + browser.getCookieManager().getCookie("JSESSIONID").getValue();

        // A forged cross-site form: the victim's cookie rides along, the token cannot.
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        for (String path : new String[] {"/twostep/enroll", "/twostep/code"}) {
            HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(SERVER.url(path)))
                    .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("phone=%2B14155550100&channel=sms&action=send")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, forged.statusCode(), path);
        }
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'bob'"));
        assertEquals(0, SERVER.sender().sent().size());

        // The page's own form, with its token, works.
        type(enroll, "phone", "+44 20 7946 0958");
        HtmlPage code = submitFormOf(enroll, "phone");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertEquals(1, SERVER.sender().sent().size());
        assertFalse(code.asNormalizedText().contains("Forbidden"));
    }
}
