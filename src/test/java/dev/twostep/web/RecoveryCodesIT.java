package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.DomNode;
import org.htmlunit.html.HtmlAnchor;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, recovery codes: made at the guard's page after both steps (shown once, downloadable, stored
 * hashed), then one signs in instead of a sent code, once; wrong ones count in the shared code lock;
 * regenerating kills the old set; after the tenth, none is offered.
 */
class RecoveryCodesIT {
    static final int LOCK_AFTER = 4;
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.limits.code-failures-before-lock", Integer.toString(LOCK_AFTER));
        s.put("twostep.limits.code-failures-cap", "20");
        s.put("twostep.limits.lock-minutes", "5");
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    HtmlPage signedIn(WebClient client, String user) throws IOException {
        HtmlPage account = enterCode(pages.signIn(client, user, PASSWORD), SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    static List<String> codesOn(HtmlPage page) {
        return page.getHtmlElementById("codes").getElementsByTagName("code").stream()
                .map(DomNode::asNormalizedText).toList();
    }

    /** Creates (or regenerates) codes from the account page of a signed-in client; returns them. */
    List<String> createCodes(WebClient client) throws IOException {
        HtmlPage page = pages.open(client, "/twostep/recovery");
        assertEquals("/app/twostep/recovery", page.getUrl().getPath(), text(page));
        HtmlPage shown = Pages.click(page, "create");
        assertEquals(200, shown.getWebResponse().getStatusCode(), text(shown));
        List<String> codes = codesOn(shown);
        assertEquals(10, codes.size(), text(shown));
        return codes;
    }

    long stored(String user) {
        return SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ?", user);
    }

    HtmlPage useRecovery(HtmlPage code, String recoveryCode) throws IOException {
        return submitFormOf(type(Pages.way(code, "recovery"), "recovery-code", recoveryCode), "recovery-code");
    }

    @Test
    void createShowOnceSignInWithOneOnceOnly() throws Exception {
        String user = unique("rec");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = signedIn(client, user);
        assertTrue(text(account).contains("You have no recovery codes yet"), text(account));

        HtmlPage page = account.getAnchorByText("Recovery codes").click();
        assertEquals("/app/twostep/recovery", page.getUrl().getPath());
        assertTrue(text(page).contains("You have no recovery codes yet"), text(page));
        HtmlPage shown = Pages.click(page, "create");
        assertEquals("no-store", shown.getWebResponse().getResponseHeaderValue("Cache-Control").split(",")[0].strip());
        List<String> codes = codesOn(shown);
        assertEquals(10, codes.size());
        assertEquals(10, codes.stream().distinct().count());
        codes.forEach(c -> assertTrue(c.matches("[0-9a-z]{5}-[0-9a-z]{5}"), c));
        HtmlAnchor download = shown.getHtmlElementById("download");
        assertTrue(download.getAttribute("download").endsWith("-recovery-codes.txt"), download.getAttribute("download"));
        String href = download.getHrefAttribute();
        assertTrue(href.startsWith("data:text/plain;charset=utf-8,"), href);
        String file = URLDecoder.decode(href.substring(href.indexOf(',') + 1), StandardCharsets.UTF_8);
        codes.forEach(c -> assertTrue(file.contains(c + "\n"), file));

        assertEquals(10, stored(user));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ? AND used_at IS NULL",
                user));
        for (String c : codes) {
            for (String form : List.of(c, c.replace("-", ""))) {
                assertEquals(0, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE ?"
                        + " OR username LIKE ? OR CAST(set_id AS VARCHAR(64)) LIKE ?",
                        "%" + form + "%", "%" + form + "%", "%" + form + "%"), "no code in clear");
            }
        }
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "RECOVERY_CODES_CREATED"));
        // Shown once: the page again only says how many are left.
        HtmlPage again = pages.open(client, "/twostep/recovery");
        assertTrue(text(again).contains("You have 10 recovery codes left"), text(again));
        assertFalse(again.getWebResponse().getContentAsString().contains(codes.get(0)));
        assertTrue(text(again).contains("Create new codes (the old ones stop working)"), text(again));
        HtmlPage back = pages.open(client, "/account");
        assertTrue(text(back).contains("You have 10 recovery codes left"), text(back));
        Pages.click(back, "signout");

        // A new sign-in: the password, then a recovery code (typed loosely) instead of the sent one.
        WebClient second = SERVER.newClient();
        HtmlPage code = pages.signIn(second, user, PASSWORD);
        assertTrue(text(code).contains("Use a recovery code"), text(code));
        String before = second.getCookieManager().getCookie("JSESSIONID").getValue();
        HtmlPage in = useRecovery(code, " " + codes.get(3).toUpperCase(java.util.Locale.ROOT) + " ");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        assertTrue(text(in).contains("You signed in with a recovery code. You have 9 recovery codes left."), text(in));
        assertFalse(before.equals(second.getCookieManager().getCookie("JSESSIONID").getValue()));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "RECOVERY_CODE_USED"));
        HtmlPage reloaded = pages.open(second, "/account");
        assertNull(reloaded.getElementById("recovery-used"), "the notice is shown once");
        assertTrue(text(reloaded).contains("You have 9 recovery codes left"), text(reloaded));

        // The same code in another sign-in: refused.
        WebClient third = SERVER.newClient();
        HtmlPage refused = useRecovery(pages.signIn(third, user, PASSWORD), codes.get(3));
        assertEquals(422, refused.getWebResponse().getStatusCode(), text(refused));
        assertTrue(text(refused).contains("not right, or it was already used"), text(refused));
        assertFalse(pages.open(third, "/account").getUrl().getPath().endsWith("/account"), "not signed in");
        // Another one of the set works there, before any new code was asked for.
        HtmlPage other = useRecovery(refused, codes.get(4));
        assertEquals("/app/account", other.getUrl().getPath(), text(other));
    }

    @Test
    void wrongRecoveryCodesShareTheCodeLockAndALockedStepRefusesARightOne() throws Exception {
        String user = unique("reclock");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user);
        List<String> codes = createCodes(client);

        HtmlPage page = pages.signIn(SERVER.newClient(), user, PASSWORD);
        String sent = SERVER.sender().lastCode();
        String wrongSms = (sent.startsWith("0") ? "1" : "0") + sent.substring(1);
        page = enterCode(page, wrongSms);
        assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        for (int i = 1; i < LOCK_AFTER; i++) {
            page = useRecovery(page, "zzzzz-zzzz" + i);
            assertFalse(page.getUrl().getPath().endsWith("/account"), "a guess got through");
            assertEquals(i < LOCK_AFTER - 1 ? 422 : 429, page.getWebResponse().getStatusCode(), text(page));
        }
        assertTrue(text(page).contains("Signing in with a code is locked for 5 minutes"), text(page));
        HtmlPage right = useRecovery(page, codes.get(0));
        assertEquals(429, right.getWebResponse().getStatusCode(), text(right));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ? AND used_at IS NULL",
                user), "a locked step spends no code");

        // Malformed input is not a try: no count, 400.
        SERVER.clock().advance(Duration.ofMinutes(6));
        HtmlPage malformed = useRecovery(right, "not a code");
        assertEquals(400, malformed.getWebResponse().getStatusCode(), text(malformed));
        HtmlPage in = useRecovery(malformed, codes.get(0));
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
    }

    @Test
    void regeneratingKillsTheOldSet() throws Exception {
        String user = unique("regen");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user);
        List<String> old = createCodes(client);
        List<String> fresh = createCodes(client);
        assertEquals(10, stored(user));
        assertFalse(fresh.stream().anyMatch(old::contains));
        assertEquals(2, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "RECOVERY_CODES_CREATED"));

        HtmlPage refused = useRecovery(pages.signIn(SERVER.newClient(), user, PASSWORD), old.get(0));
        assertEquals(422, refused.getWebResponse().getStatusCode(), text(refused));
        HtmlPage in = useRecovery(refused, fresh.get(0));
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
    }

    @Test
    void thePageNeedsBothStepsAndStoresNothingBefore() throws Exception {
        String user = unique("rechalf");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        HtmlPage login = pages.open(SERVER.newClient(), "/twostep/recovery");
        assertEquals("/app/login", login.getUrl().getPath());

        WebClient half = SERVER.newClient();
        HtmlPage code = pages.signIn(half, user, PASSWORD);
        assertNull(code.getElementById("recovery-code"), "no codes, no offer");
        assertEquals("/app/twostep/code", pages.open(half, "/twostep/recovery").getUrl().getPath());
        // A POST with the session's own CSRF token, before the second step: sent on, nothing made.
        String csrf = code.<org.htmlunit.html.HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        org.htmlunit.WebRequest post = new org.htmlunit.WebRequest(new java.net.URL(SERVER.url("/twostep/recovery")),
                org.htmlunit.HttpMethod.POST);
        post.setRequestParameters(List.of(new org.htmlunit.util.NameValuePair("twostep_csrf", csrf)));
        HtmlPage after = half.getPage(post);
        assertEquals("/app/twostep/code", after.getUrl().getPath());
        assertEquals(0, stored(user));
    }

    @Test
    void afterTheTenthCodeNoneIsOffered() throws Exception {
        String user = unique("tenth");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user);
        List<String> codes = createCodes(client);
        for (int i = 0; i < codes.size(); i++) {
            WebClient c = SERVER.newClient();
            HtmlPage in = useRecovery(pages.signIn(c, user, PASSWORD), codes.get(i));
            assertEquals("/app/account", in.getUrl().getPath(), text(in));
            int left = 9 - i;
            String said = left == 0 ? "You have no recovery codes left" : left == 1 ? "You have 1 recovery code left"
                    : "You have " + left + " recovery codes left";
            assertTrue(text(in).contains(said), text(in));
            c.close();
        }
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "RECOVERY_CODE_USED"));
        HtmlPage eleventh = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertEquals("/app/twostep/code", eleventh.getUrl().getPath());
        assertNull(eleventh.getElementById("recovery-code"), text(eleventh));
        assertFalse(text(eleventh).contains("Use a recovery code"), text(eleventh));
    }
}
