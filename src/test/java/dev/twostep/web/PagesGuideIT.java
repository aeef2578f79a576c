package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.DomElement;
import org.htmlunit.html.HtmlButton;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.DeliveryException;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 13, "The code page" and "Forms and errors": the code page says only what happened, counts down to
 * the next code instead of showing an error, drops a dead code's field and says how long a code works;
 * errors are tied to their fields with a summary that links to them; titles say when a page shows an error;
 * a form posted after its session ended is shown again, filled in; notices show once; an error page offers
 * the way back that fits.
 */
class PagesGuideIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("twostep.limits.user.interval-seconds", "30");
        s.put("twostep.limits.number.interval-seconds", "30");
        return s;
    }

    @AfterEach
    void noFailures() {
        SERVER.sender().failWith(null);
    }

    private static final java.util.concurrent.atomic.AtomicInteger NUMBERS = new java.util.concurrent.atomic.AtomicInteger(2700);

    /** A number of its own for each account: codes to one number are spaced 30 s apart here. */
    private static String phone() {
        return "(415) 555-" + NUMBERS.getAndIncrement();
    }

    /** A ready account, its registration code's wait over. */
    private void account(String user) throws java.io.IOException {
        pages.createAccount(user, PASSWORD, phone());
        SERVER.clock().advance(Duration.ofSeconds(31));
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    @Test
    void theCodePageSaysHowLongACodeWorksAndCountsDownToTheNextOne() throws Exception {
        String user = unique("wait");
        account(user);
        SERVER.clock().advance(Duration.ofMinutes(1));
        HtmlPage code = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertTrue(text(code).contains("6 digits. The code works for 10 minutes."), text(code));
        HtmlInput field = code.getHtmlElementById("code");
        assertEquals("[0-9 \\-]*", field.getAttribute("pattern"), "valid in the v flag too");
        assertFalse(text(code).contains("A code is on its way"), "the page says it once: " + text(code));

        HtmlButton resend = code.getHtmlElementById("resend");
        assertTrue(resend.isDisabled(), "no new code before the wait is over");
        assertEquals("Send again in 0:30", resend.asNormalizedText());
        assertEquals("30", resend.getAttribute("data-wait"));
        assertNotNull(code.getFirstByXPath("//script[contains(@src, '/twostep/static/countdown.js')]"));
        assertNull(code.getFirstByXPath("//p[@class='error']"), "waiting is no error");

        SERVER.clock().advance(Duration.ofSeconds(31));
        HtmlPage later = pages.open(code.getEnclosingWindow().getWebClient(), "/twostep/code");
        HtmlButton ready = later.getHtmlElementById("resend");
        assertFalse(ready.isDisabled());
        assertEquals("Send a new code", ready.asNormalizedText());
        assertNull(later.getFirstByXPath("//script[contains(@src, 'countdown.js')]"), "nothing to count down");
    }

    @Test
    void aFailedSendSaysOnlyThatAndADeadCodeLeavesOnlySendANewCode() throws Exception {
        String user = unique("dead");
        account(user);
        SERVER.clock().advance(Duration.ofMinutes(1));
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        String right = SERVER.sender().lastCode();

        SERVER.clock().advance(Duration.ofSeconds(31));
        SERVER.sender().failWith(new DeliveryException(DeliveryException.Reason.TRY_LATER, "30001", "queue", null));
        HtmlPage failed = Pages.click(code, "resend");
        assertEquals(503, failed.getWebResponse().getStatusCode(), text(failed));
        assertTrue(text(failed).contains("The code could not be sent just now"), text(failed));
        assertFalse(text(failed).contains("We sent"), "a failed send claims no send: " + text(failed));
        SERVER.sender().failWith(null);

        String wrong = right.equals("000000") ? "111111" : "000000";
        HtmlPage page = pages.open(client, "/twostep/code");
        for (int i = 0; i < 5; i++) {
            page = enterCode(page, wrong);
        }
        assertTrue(text(page).contains("Too many wrong tries for this code. Send a new code."), text(page));
        assertNull(page.getElementById("code"), "the dead code's field is gone");
        HtmlButton resend = page.getHtmlElementById("resend");
        assertFalse(resend.getAttribute("class").contains("link"), "Send a new code is the main button");
        HtmlPage fresh = Pages.click(page, "resend");
        assertNotNull(fresh.getElementById("code"), text(fresh));
        assertEquals("/app/account", enterCode(fresh, SERVER.sender().lastCode()).getUrl().getPath());
    }

    @Test
    void fieldErrorsAreTiedToTheirFieldsWithASummaryAndTheTitleSaysError() throws Exception {
        HtmlPage register = pages.open(SERVER.newClient(), "/register");
        assertEquals("Create an account \u2013 Twostep", register.getTitleText());
        type(register, "username", "a b");
        type(register, "password", "short");
        type(register, "phone", "12");
        HtmlPage page = submitFormOf(register, "username");
        assertEquals(422, page.getWebResponse().getStatusCode());
        assertEquals("Error: Create an account \u2013 Twostep", page.getTitleText());

        DomElement summary = page.getElementById("error-summary");
        assertNotNull(summary, text(page));
        assertEquals("alert", summary.getAttribute("role"));
        assertTrue(summary.hasAttribute("autofocus"), "the summary takes the focus");
        List<String> links = summary.getElementsByTagName("a").stream().map(a -> a.getAttribute("href")).toList();
        assertEquals(List.of("#username", "#password", "#phone"), links);
        for (String field : List.of("username", "password", "phone")) {
            HtmlInput input = page.getHtmlElementById(field);
            assertEquals("true", input.getAttribute("aria-invalid"), field);
            assertTrue(input.getAttribute("aria-describedby").startsWith(field + "-error"), field);
            assertTrue(input.getAttribute("class").contains("invalid"), field);
            assertFalse(page.getElementById(field + "-error").asNormalizedText().isBlank(), field);
        }
        assertEquals("a b", ((HtmlInput) page.getHtmlElementById("username")).getValue(), "nothing typed is lost");
        assertEquals("", ((HtmlInput) page.getHtmlElementById("password")).getValue(), "but the password");
    }

    @Test
    void aSignInPostedAfterTheSessionEndedShowsTheFormAgainFilledIn() throws Exception {
        String user = unique("late");
        account(user);
        WebClient client = SERVER.newClient();
        HtmlPage login = pages.open(client, "/login");
        // The session ends while the form is open (it timed out, or the server restarted).
        Cookie old = client.getCookieManager().getCookie("JSESSIONID");
        client.getCookieManager().removeCookie(old);
        client.getCookieManager().addCookie(new Cookie(old.getDomain(), "JSESSIONID", "node0expired0000",
                old.getPath(), null, false, true));
        int sends = SERVER.sender().sent().size();
        type(login, "username", user);
        type(login, "password", PASSWORD);
        HtmlPage again = submitFormOf(login, "username");
        assertEquals(403, again.getWebResponse().getStatusCode(), text(again));
        assertEquals("/app/login", again.getUrl().getPath());
        assertTrue(text(again).contains("Your session timed out"), text(again));
        assertFalse(text(again).contains("Something went wrong"), text(again));
        assertEquals(user, ((HtmlInput) again.getHtmlElementById("username")).getValue(), "the name is kept");
        assertEquals(sends, SERVER.sender().sent().size(), "nothing was done");
        // The form shown has a fresh token: sending it signs in.
        HtmlPage code = submitFormOf(type(again, "password", PASSWORD), "username");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
    }

    @Test
    void aCodePostedAfterTheSessionEndedGoesToSignInWithTheNotice() throws Exception {
        String user = unique("late2");
        account(user);
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        Cookie old = client.getCookieManager().getCookie("JSESSIONID");
        client.getCookieManager().removeCookie(old);
        client.getCookieManager().addCookie(new Cookie(old.getDomain(), "JSESSIONID", "node0expired0001",
                old.getPath(), null, false, true));
        HtmlPage login = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/login", login.getUrl().getPath(), text(login));
        assertTrue(text(login).contains("Your session timed out"), text(login));
        assertFalse(text(pages.open(client, "/login")).contains("Your session timed out"), "said once");
    }

    @Test
    void anErrorPageOffersTheWayBackThatFits() throws Exception {
        WebClient anonymous = SERVER.newClient();
        HtmlPage nowhere = pages.open(anonymous, "/twostep/nowhere");
        assertEquals(404, nowhere.getWebResponse().getStatusCode());
        assertTrue(nowhere.getTitleText().startsWith("Error: "), nowhere.getTitleText());
        assertEquals("Back to sign-in", nowhere.getHtmlElementById("back").asNormalizedText());

        String user = unique("lost");
        account(user);
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        assertEquals("Back to entering your code",
                pages.open(client, "/twostep/nowhere").getHtmlElementById("back").asNormalizedText());
        enterCode(code, SERVER.sender().lastCode());
        HtmlPage signedIn = pages.open(client, "/twostep/nowhere");
        assertEquals("Back to your account", signedIn.getHtmlElementById("back").asNormalizedText());
        assertEquals("/app/account", signedIn.getHtmlElementById("back").getAttribute("href"), "the start page");
    }

    @Test
    void aNoticeShowsOnceEvenAfterSignOutBackAndSignIn() throws Exception {
        String user = unique("once");
        account(user);
        WebClient client = SERVER.newClient();
        HtmlPage account = enterCode(pages.signIn(client, user, PASSWORD), SERVER.sender().lastCode());
        HtmlPage forgotten = Pages.click(account, "sign-out-everywhere");
        assertEquals("/app/account", forgotten.getUrl().getPath(), "no query string carries the notice");
        assertTrue(text(forgotten).contains("You were signed out everywhere else"), text(forgotten));
        Pages.click(forgotten, "signout");
        // Back to the account page's address, then signing in again: the notice is not shown again.
        SERVER.clock().advance(Duration.ofSeconds(31));
        HtmlPage back = pages.open(client, "/account");
        HtmlPage again = enterCode(Pages.signIn(back, user, PASSWORD), SERVER.sender().lastCode());
        assertEquals("/app/account", again.getUrl().getPath(), text(again));
        assertFalse(text(again).contains("You were signed out everywhere else"), text(again));
    }

    @Test
    void everyPageHasAFaviconServedFromTheGuardsOwnFiles() throws Exception {
        HtmlPage login = pages.open(SERVER.newClient(), "/login");
        DomElement icon = login.getFirstByXPath("//link[@rel='icon']");
        assertNotNull(icon, login.asXml());
        assertEquals("/app/twostep/static/favicon.svg", icon.getAttribute("href"));
        org.htmlunit.Page svg = login.getEnclosingWindow().getWebClient().getPage(SERVER.url("/twostep/static/favicon.svg"));
        assertEquals(200, svg.getWebResponse().getStatusCode());
        assertEquals("image/svg+xml", svg.getWebResponse().getContentType());
        org.htmlunit.Page script = login.getEnclosingWindow().getWebClient().getPage(SERVER.url("/twostep/static/countdown.js"));
        assertTrue(script.getWebResponse().getContentType().startsWith("text/javascript"));
    }

    @Test
    void errorsOnOtherFormsAreTiedToTheFieldTheyAreAbout() throws Exception {
        String user = unique("tied");
        account(user);
        WebClient client = SERVER.newClient();
        enterCode(pages.signIn(client, user, PASSWORD), SERVER.sender().lastCode());
        HtmlPage form = pages.open(client, "/account/password");
        type(form, "current", PASSWORD);
        type(form, "password", "a new long password");
        type(form, "confirm", "a different long password");
        HtmlPage mismatch = submitFormOf(form, "current");
        assertEquals(422, mismatch.getWebResponse().getStatusCode(), text(mismatch));
        HtmlInput confirm = mismatch.getHtmlElementById("confirm");
        assertEquals("true", confirm.getAttribute("aria-invalid"));
        assertEquals("form-error", confirm.getAttribute("aria-describedby"));
        assertFalse(mismatch.<HtmlInput>getHtmlElementById("current").hasAttribute("aria-invalid"));
        assertTrue(mismatch.getTitleText().startsWith("Error: "), mismatch.getTitleText());

        HtmlPage app = pages.open(client, "/twostep/app");
        HtmlPage wrong = submitFormOf(type(app, "app-code", "000000"), "app-code");
        HtmlInput code = wrong.getHtmlElementById("app-code");
        assertEquals("true", code.getAttribute("aria-invalid"), text(wrong));
        assertEquals("app-error", code.getAttribute("aria-describedby"));
    }
}
