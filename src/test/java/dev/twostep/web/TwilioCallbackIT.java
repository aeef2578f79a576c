package dev.twostep.web;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.VoiceToken;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Twilio's status callbacks and press-a-key calls, with valid, missing and forged X-Twilio-Signature
 * headers. The app runs with Twilio settings and a public origin (as behind a proxy); a recording sender
 * stands in for the send itself.
 */
class TwilioCallbackIT {
    private static final String AUTH_TOKEN = "callback-test-auth-token";
    private static final String SECRET = "callback-test-server-secret-0123456789";
    private static final String ORIGIN = "https://twostep.example";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twilio.from-number", "+15005550006",
            "twostep.public-origin", ORIGIN))
            .environment(Map.of("TWILIO_ACCOUNT_SID", "AC" + "0123456789abcdef".repeat(2),
                    "TWILIO_AUTH_TOKEN", AUTH_TOKEN, "TWOSTEP_SECRET", SECRET));
    private final Pages pages = new Pages(SERVER);
    private final HttpClient http = HttpClient.newHttpClient();

    /** Twilio's documented signature: HMAC-SHA1 over the URL and the sorted POST parameters, in Base64. */
    private static String sign(String token, String url, Map<String, String> params) throws Exception {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> post(String pathAndQuery, Map<String, String> params, String signature)
            throws Exception {
        String form = params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(SERVER.url(pathAndQuery)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (signature != null) {
            b.header("X-Twilio-Signature", signature);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> status(Map<String, String> params, String token) throws Exception {
        String url = ORIGIN + "/app/twostep/twilio/status";
        return post("/twostep/twilio/status", params, token == null ? null : sign(token, url, params));
    }

    private String deliveryStatus(String sid) {
        return SERVER.jdbc().queryOne("test", "SELECT delivery_status FROM challenges WHERE provider_id = ?",
                Jdbc.params(sid), rs -> rs.getString(1)).orElse(null);
    }

    private String providerIdOfLastCode(String user) {
        return SERVER.jdbc().queryOne("test", "SELECT provider_id FROM challenges WHERE username = ?"
                + " ORDER BY created_at DESC, attempts ASC", Jdbc.params(user), rs -> rs.getString(1)).orElseThrow();
    }

    @Test
    void aSignedUndeliveredReportIsRecordedAndTheCodePageSaysSo() throws Exception {
        pages.createAccount("statususer", "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, "statususer", "correct horse battery");
        assertFalse(text(code).contains("could not be delivered"));
        String sid = providerIdOfLastCode("statususer");
        assertTrue(sid.startsWith("SM"), sid);

        HttpResponse<String> sent = status(Map.of("MessageSid", sid, "MessageStatus", "sent",
                "AccountSid", "AC" + "0123456789abcdef".repeat(2)), AUTH_TOKEN);
        assertEquals(204, sent.statusCode());
        assertEquals("sent", deliveryStatus(sid));

        assertEquals(204, status(Map.of("MessageSid", sid, "MessageStatus", "undelivered", "ErrorCode", "30005"),
                AUTH_TOKEN).statusCode());
        assertEquals("undelivered", deliveryStatus(sid));
        assertEquals("30005", SERVER.jdbc().queryOne("test", "SELECT delivery_error FROM challenges WHERE provider_id = ?",
                Jdbc.params(sid), rs -> rs.getString(1)).orElseThrow());

        // A late report of an earlier state does not undo a final one.
        assertEquals(200, status(Map.of("MessageSid", sid, "MessageStatus", "sent"), AUTH_TOKEN).statusCode());
        assertEquals("undelivered", deliveryStatus(sid));

        HtmlPage reloaded = (HtmlPage) client.getPage(SERVER.url("/twostep/code"));
        assertTrue(text(reloaded).contains("Your text message could not be delivered. Try a call instead"),
                text(reloaded));
        assertTrue(text(reloaded).contains("Call me instead"), text(reloaded));
    }

    @Test
    void missingOrForgedSignaturesAreRefusedAndRecordNothing() throws Exception {
        pages.createAccount("forgeduser", "correct horse battery", "(415) 555-2671");
        pages.signIn(SERVER.newClient(), "forgeduser", "correct horse battery");
        String sid = providerIdOfLastCode("forgeduser");
        Map<String, String> report = Map.of("MessageSid", sid, "MessageStatus", "failed", "ErrorCode", "30003");

        assertEquals(403, status(report, null).statusCode());
        assertEquals(403, status(report, "a-guessed-auth-token").statusCode());
        String url = ORIGIN + "/app/twostep/twilio/status";
        String signedForOther = sign(AUTH_TOKEN, url, Map.of("MessageSid", sid, "MessageStatus", "delivered"));
        assertEquals(403, post("/twostep/twilio/status", report, signedForOther).statusCode());
        String signedForOtherUrl = sign(AUTH_TOKEN, "https://elsewhere.example/app/twostep/twilio/status", report);
        assertEquals(403, post("/twostep/twilio/status", report, signedForOtherUrl).statusCode());
        assertNull(deliveryStatus(sid));
    }

    @Test
    void badReportsGet400() throws Exception {
        assertEquals(400, status(Map.of("MessageSid", "SM" + "0".repeat(32), "MessageStatus", "exploded"), AUTH_TOKEN)
                .statusCode());
        assertEquals(400, status(Map.of("MessageSid", "'; DROP TABLE challenges; --", "MessageStatus", "sent"),
                AUTH_TOKEN).statusCode());
        assertEquals(400, status(Map.of("MessageStatus", "sent"), AUTH_TOKEN).statusCode());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM challenges WHERE delivery_status = 'exploded'"));
    }

    @Test
    void aPressAKeyCallGetsItsCodeOnlyWithTwiliosSignatureAndWhileTheCodeLives() throws Exception {
        pages.createAccount("presskey", "correct horse battery", "(415) 555-2671");
        pages.signIn(SERVER.newClient(), "presskey", "correct horse battery");
        String code = SERVER.sender().lastCode();
        long challengeId = SERVER.jdbc().queryOne("test", "SELECT id FROM challenges WHERE username = 'presskey'"
                + " AND consumed_at IS NULL AND revoked_at IS NULL", Jdbc.params(), rs -> rs.getLong(1)).orElseThrow();
        String token = new VoiceToken(SECRET.getBytes(StandardCharsets.UTF_8))
                .seal(new VoiceToken.Content(challengeId, code, System.currentTimeMillis() + 60_000));
        String path = "/twostep/twilio/voice?t=" + token + "&lang=de-DE";
        Map<String, String> gathered = Map.of("Digits", "5", "CallSid", "CA" + "1".repeat(32));

        HttpResponse<String> unsigned = post(path, gathered, null);
        assertEquals(403, unsigned.statusCode());
        assertFalse(unsigned.body().contains(String.join(", ", code.split(""))));

        HttpResponse<String> signed = post(path, gathered, sign(AUTH_TOKEN, ORIGIN + "/app" + path, gathered));
        assertEquals(200, signed.statusCode());
        assertTrue(signed.body().contains(String.join(", ", code.split("")) + "."), signed.body());
        assertTrue(signed.body().contains("language=\"de-DE\""), signed.body());

        char[] flipped = token.toCharArray();
        flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
        String forged = "/twostep/twilio/voice?t=" + new String(flipped) + "&lang=de-DE";
        HttpResponse<String> forgedToken = post(forged, gathered, sign(AUTH_TOKEN, ORIGIN + "/app" + forged, gathered));
        assertEquals(200, forgedToken.statusCode());
        assertFalse(forgedToken.body().contains(String.join(", ", code.split(""))), forgedToken.body());
    }
}
