package dev.twostep.attack;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.PhoneMask;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Someone with the password only tries to move the second step to their own phone, pump SMS to costly
 * numbers, or guess passwords; and the audit trail records what happened without secrets.
 */
class EnrollmentAbuseIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.phone.allowed-regions", "US",
            "twostep.limits.password-failures-before-lock", "10", "twostep.limits.sends-per-hour", "1000"));
    private final Pages pages = new Pages(SERVER);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void aPasswordOnlySessionCannotReplaceAConfirmedPhone() throws Exception {
        pages.createAccount("confirmed", "correct horse battery", "(415) 555-2671");
        WebClient attacker = SERVER.newClient();
        HtmlPage code = pages.signIn(attacker, "confirmed", "correct horse battery");
        String csrf = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + attacker.getCookieManager().getCookie("JSESSIONID").getValue();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/enroll")))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("twostep_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8)
                        + "&phone=%2B12025550123&channel=sms")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, r.statusCode());
        assertTrue(r.headers().firstValue("Location").orElse("").endsWith("/twostep/code"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'confirmed'"
                + " AND phone_e164 = '+14155552671' AND confirmed_at IS NOT NULL"));
    }

    @Test
    void premiumRateAndForeignNumbersAreRefusedAtRegistration() throws Exception {
        HtmlPage premium = pages.register(SERVER.newClient(), "premium", "correct horse battery", "+1 900 234 5678", "sms");
        assertEquals(422, premium.getWebResponse().getStatusCode());
        assertTrue(text(premium).contains("That kind of number (premium-rate, shared-cost, toll-free or pager) cannot get"
                + " codes."), text(premium));
        HtmlPage tollFree = pages.register(SERVER.newClient(), "tollfree", "correct horse battery", "+1 800 234 5678", "voice");
        assertTrue(text(tollFree).contains("That kind of number"), text(tollFree));
        HtmlPage foreign = pages.register(SERVER.newClient(), "foreign", "correct horse battery", "+44 20 7946 0958", "sms");
        assertTrue(text(foreign).contains("Codes cannot be sent to phone numbers in that country."), text(foreign));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username IN ('premium', 'tollfree', 'foreign')"));
        assertEquals(0, SERVER.sender().sent().size(), "nothing was sent to any of them");
    }

    @Test
    void tenWrongPasswordsLockTheAccountEvenForTheRightOneAndUnknownNamesAlike() throws Exception {
        pages.createAccount("pwtarget", "correct horse battery", "(415) 555-2671");
        for (String user : new String[] {"pwtarget", "nosuchuser"}) {
            for (int i = 0; i < 10; i++) {
                HtmlPage wrong = pages.signIn(SERVER.newClient(), user, "wrong password " + i);
                assertEquals(422, wrong.getWebResponse().getStatusCode(), text(wrong));
            }
            HtmlPage locked = pages.signIn(SERVER.newClient(), user, "correct horse battery");
            assertEquals(429, locked.getWebResponse().getStatusCode(), text(locked));
            assertTrue(text(locked).contains("Too many failed sign-ins. Try again in a minute."), text(locked));
        }
        SERVER.clock().advance(Duration.ofMinutes(1).plusSeconds(1));
        HtmlPage code = pages.signIn(SERVER.newClient(), "pwtarget", "correct horse battery");
        assertTrue(code.getUrl().getPath().endsWith("/twostep/code"), text(code));
    }

    @Test
    void theAuditTrailRecordsTheStepsWithoutSecretsAndTheUserSeesIt() throws Exception {
        pages.createAccount("audited", "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        pages.signIn(client, "audited", "wrong password!");
        HtmlPage code = pages.signIn(client, "audited", "correct horse battery");
        String sent = SERVER.sender().lastCode();
        HtmlPage account = Pages.enterCode(Pages.enterCode(code, sent.equals("000000") ? "111111" : "000000"), sent);
        assertTrue(account.getUrl().getPath().endsWith("/account"));
        String page = text(account);
        // Rows a person reads: what happened, by which way, to the number's last digits, from where.
        for (String line : new String[] {"Recent activity", "Signed in with a code from a text message", "Code refused",
                "Code sent by text message to the phone ending in 71", "Signed in with password", "Wrong password",
                "Phone confirmed", "from 127.0.0.1"}) {
            assertTrue(page.contains(line), line + " missing from:\n" + page);
        }
        assertFalse(page.contains("SM"), "no provider ids on the page:\n" + page);
        for (String event : new String[] {"SIGN_IN_OK", "SIGN_IN_FAILED", "CODE_SENT", "CODE_REJECTED", "CODE_ACCEPTED",
                "ENROLLED", "SIGN_OUT"}) {
            assertTrue(SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'audited' AND event = ?", event) > 0,
                    event);
        }
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE detail LIKE ? OR detail LIKE ?"
                + " OR detail LIKE '%4155552671%' OR detail LIKE '%correct horse%'", "%" + sent + "%", "%wrong password%"));
        assertTrue(SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'audited' AND event = 'CODE_SENT'"
                + " AND detail LIKE ? AND user_agent IS NOT NULL", "%" + PhoneMask.mask("+14155552671") + "%") > 0,
                "code sends are audited with the masked number and the user agent");
    }
}
