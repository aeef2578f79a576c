package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.HttpMethod;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.NameValuePair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12 item 5, the security page ({@code /twostep/security}): it lists the phone (masked), the apps and
 * the recovery codes with their dates, and the remembered devices; removing a factor needs a second step
 * passed within {@code twostep.security.fresh-minutes} (5 here, the default; the server's clock is moved past
 * it), never takes the last phone or app, and is audited, revokes every remembered device and tells the
 * phone. Forged, cross-user and malformed POSTs change nothing.
 */
class SecurityPageIT {
    static final String PASSWORD = "correct horse battery";
    static final String PHONE = "+14155552671";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);
    private final Totp totp = new Totp(SERVER.clock());

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.remember-device.days", "30");
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** Password and sent code, optionally checking "remember this device"; ends on the account page. */
    HtmlPage signedIn(WebClient client, String user, boolean remember) throws IOException {
        // The phone's way, whichever is offered first (an app added last comes first).
        HtmlPage code = Pages.way(pages.signIn(client, user, PASSWORD), "sms");
        if (remember) {
            code.<HtmlCheckBoxInput>getHtmlElementById("remember-code").setChecked(true);
        }
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    /** Adds an authenticator app in a signed-in session; returns its secret. */
    byte[] addApp(WebClient client) throws IOException {
        HtmlPage app = pages.open(client, "/twostep/app");
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        HtmlPage done = submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        // The next code of the app is another step's: a code counts once.
        SERVER.clock().advance(Duration.ofSeconds(30));
        return secret;
    }

    List<String> createRecoveryCodes(WebClient client) throws IOException {
        HtmlPage shown = Pages.click(pages.open(client, "/twostep/recovery"), "create");
        return shown.getHtmlElementById("codes").getElementsByTagName("code").stream()
                .map(org.htmlunit.html.DomNode::asNormalizedText).toList();
    }

    long appId(String user) {
        return SERVER.count("SELECT id FROM totp_factors WHERE username = ? AND confirmed_at IS NOT NULL", user);
    }

    long apps(String user) {
        return SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NOT NULL", user);
    }

    long phones(String user) {
        return SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", user);
    }

    long audited(String user, String event) {
        return SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user, event);
    }

    long liveDevices(String user) {
        return SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ? AND revoked_at IS NULL", user);
    }

    /** A POST to the security page with this session's CSRF token (read from a page of it) and the fields. */
    static HtmlPage post(WebClient client, HtmlPage anyPage, String... fields) throws IOException {
        List<NameValuePair> params = new ArrayList<>();
        HtmlInput csrf = anyPage.getFirstByXPath("//input[@name='twostep_csrf']");
        params.add(new NameValuePair("twostep_csrf", csrf.getValue()));
        for (int i = 0; i < fields.length; i += 2) {
            params.add(new NameValuePair(fields[i], fields[i + 1]));
        }
        WebRequest post = new WebRequest(new URL(SERVER.url("/twostep/security")), HttpMethod.POST);
        post.setRequestParameters(params);
        return client.getPage(post);
    }

    @Test
    void thePageListsThePhoneTheAppAndTheRecoveryCodesWithTheirDates() throws Exception {
        String user = unique("list");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = signedIn(client, user, false);
        addApp(client);
        createRecoveryCodes(client);

        HtmlPage page = account.getAnchorByText("Security settings").click();
        assertEquals("/app/twostep/security", page.getUrl().getPath());
        assertEquals(200, page.getWebResponse().getStatusCode());
        String phone = page.getHtmlElementById("phone").asNormalizedText();
        assertTrue(phone.contains("Text messages to your phone ending in 71"), phone);
        assertTrue(phone.matches("(?s).*Added 2026-01-01 \\d\\d:\\d\\d UTC.*"), phone);
        assertTrue(phone.matches("(?s).*Last used 2026-01-01 \\d\\d:\\d\\d UTC.*"), phone);
        String html = page.getWebResponse().getContentAsString();
        assertFalse(html.contains("555-2671") || html.contains("5552671"), "only the last digits are shown");

        String app = page.getHtmlElementById("app-" + appId(user)).asNormalizedText();
        assertTrue(app.contains("Authenticator app:"), app);
        assertTrue(app.contains("Added 2026-01-01"), app);
        assertTrue(app.contains("Not used yet"), app);
        assertNotNull(page.getElementById("remove-app-" + appId(user)));
        assertNotNull(page.getElementById("remove-phone"), "two factors: either may go");

        String recovery = page.getHtmlElementById("recovery").asNormalizedText();
        assertTrue(recovery.contains("Recovery codes: 10 of 10 left"), recovery);
        assertTrue(recovery.contains("Created 2026-01-01"), recovery);
        assertEquals("/app/twostep/recovery", page.getAnchorByText("See or create recovery codes").click().getUrl()
                .getPath());
        assertEquals("/app/twostep/app", page.getHtmlElementById("add-app").getAttribute("href"));

        String activity = page.getHtmlElementById("activity").asNormalizedText();
        assertTrue(activity.contains("Authenticator app added"), activity);
        assertTrue(activity.contains("Recovery codes created"), activity);
        assertTrue(text(page).contains("No device is remembered"), text(page));
    }

    @Test
    void removingAnAppWithAFreshStepIsAuditedRevokesDevicesAndTellsThePhone() throws Exception {
        String user = unique("rmapp");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient first = SERVER.newClient();
        signedIn(first, user, false);
        addApp(first);
        assertEquals(1, SERVER.sender().notices().stream().filter(n -> n.text().contains("authenticator app was added"))
                .count(), "adding an app tells the phone too: " + SERVER.sender().notices());

        // A remembered device, made after the app was added (adding it revoked the devices before).
        WebClient client = SERVER.newClient();
        signedIn(client, user, true);
        assertEquals(1, liveDevices(user));
        HtmlPage page = pages.open(client, "/twostep/security");
        assertNotNull(page.getFirstByXPath("//li[@class='device']"), text(page));
        long id = appId(user);
        int noticesBefore = SERVER.sender().notices().size();

        HtmlPage after = page.<org.htmlunit.html.HtmlButton>getHtmlElementById("remove-app-" + id).click();
        assertEquals("/app/twostep/security", after.getUrl().getPath());
        assertEquals(200, after.getWebResponse().getStatusCode(), text(after));
        assertTrue(text(after).contains("The authenticator app was removed"), text(after));
        assertNull(after.getElementById("app-" + id));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
        assertEquals(1, audited(user, "AUTHENTICATOR_REMOVED"));
        assertEquals(0, liveDevices(user), "every remembered device is revoked");
        assertTrue(text(after).contains("Authenticator app removed"), "the activity lists it: " + text(after));

        List<RecordingSender.Notice> notices = SERVER.sender().notices();
        assertEquals(noticesBefore + 1, notices.size(), notices.toString());
        RecordingSender.Notice notice = notices.get(notices.size() - 1);
        assertEquals(PHONE, notice.to());
        assertTrue(notice.text().contains("an authenticator app was removed from your account"), notice.text());

        // The notice is shown once: a reload (or Back) does not repeat it.
        HtmlPage again = pages.open(client, "/twostep/security");
        assertFalse(text(again).contains("The authenticator app was removed"), text(again));
        assertFalse(again.getUrl().toString().contains("?"), "no query string carries the notice");
    }

    @Test
    void aStaleSessionMustConfirmItIsItselfFirstWithAnyFactor() throws Exception {
        String user = unique("stale");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient setup = SERVER.newClient();
        signedIn(setup, user, false);
        byte[] secret = addApp(setup);
        addApp(setup);
        addApp(setup);
        List<String> recovery = createRecoveryCodes(setup);
        assertEquals(3, apps(user));

        // A session that remembers its device, then waits past the five fresh minutes.
        WebClient client = SERVER.newClient();
        signedIn(client, user, true);
        assertEquals(1, liveDevices(user));
        List<Long> ids = new ArrayList<>();
        SERVER.jdbc().queryOne("ids", "SELECT id FROM totp_factors WHERE username = ? ORDER BY created_at",
                dev.twostep.db.Jdbc.params(user), rs -> {
                    do {
                        ids.add(rs.getLong(1));
                    } while (rs.next());
                    return ids;
                });

        // Step up with the sent code; the device this browser remembers does not answer for the person.
        HtmlPage code = staleRemoveThenConfirm(client, user, ids.get(1), 3);
        assertEquals(1, liveDevices(user), "the remembered device is live, and was not used");
        assertTrue(text(code).contains("Text me a code"), "nothing was sent before asked: " + text(code));
        HtmlPage back = enterCode(Pages.way(code, "sms"), SERVER.sender().lastCode());
        removeAfterStepUp(back, user, ids.get(1), 2);

        // With the first app's code.
        code = staleRemoveThenConfirm(client, user, ids.get(2), 2);
        back = submitFormOf(type(Pages.way(code, "app"), "totp", totp.code(secret, totp.currentStep())), "totp");
        removeAfterStepUp(back, user, ids.get(2), 1);

        // With a recovery code: the last app cannot go, so it is the phone this time.
        SERVER.clock().advance(Duration.ofMinutes(6));
        HtmlPage page = pages.open(client, "/twostep/security");
        HtmlPage refused = Pages.click(page, "remove-phone");
        assertEquals(403, refused.getWebResponse().getStatusCode(), text(refused));
        assertEquals(1, phones(user));
        code = Pages.click(refused, "confirm");
        back = submitFormOf(type(Pages.way(code, "recovery"), "recovery-code", recovery.get(0)), "recovery-code");
        assertEquals("/app/twostep/security", back.getUrl().getPath(), text(back));
        HtmlPage removed = Pages.click(back, "remove-phone");
        assertTrue(text(removed).contains("The phone was removed"), text(removed));
        assertEquals(0, phones(user));
        assertEquals(1, audited(user, "PHONE_REMOVED"));
        RecordingSender.Notice told = SERVER.sender().notices().get(SERVER.sender().notices().size() - 1);
        assertEquals(PHONE, told.to(), "the removed phone is told");
        assertTrue(told.text().contains("this phone number was removed from your account"), told.text());
        assertEquals(3, audited(user, "STEP_UP_ASKED"));
        assertNull(removed.getElementById("remove-app-" + ids.get(0)), "the last app has no Remove button");
        assertEquals(1, apps(user));
    }

    /**
     * Waits past the fresh minutes, presses Remove on an app and gets "Confirm it's you" with nothing removed;
     * confirms, and returns the code page it lands on (not skipped by the remembered device).
     */
    HtmlPage staleRemoveThenConfirm(WebClient client, String user, long id, int appsLeft) throws IOException {
        SERVER.clock().advance(Duration.ofMinutes(6));
        HtmlPage page = pages.open(client, "/twostep/security");
        HtmlPage refused = page.<org.htmlunit.html.HtmlButton>getHtmlElementById("remove-app-" + id).click();
        assertEquals(403, refused.getWebResponse().getStatusCode(), text(refused));
        assertTrue(text(refused).contains("Confirm it's you"), text(refused));
        assertEquals(appsLeft, apps(user), "nothing removed");
        String before = client.getCookieManager().getCookie("JSESSIONID").getValue();
        HtmlPage code = Pages.click(refused, "confirm");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertNotEquals(before, client.getCookieManager().getCookie("JSESSIONID").getValue(), "a new session id");
        return code;
    }

    /** Back on the security page after the code step: Remove now works. */
    void removeAfterStepUp(HtmlPage back, String user, long id, int appsLeft) throws IOException {
        assertEquals("/app/twostep/security", back.getUrl().getPath(), text(back));
        HtmlPage removed = back.<org.htmlunit.html.HtmlButton>getHtmlElementById("remove-app-" + id).click();
        assertEquals(200, removed.getWebResponse().getStatusCode(), text(removed));
        assertTrue(text(removed).contains("The authenticator app was removed"), text(removed));
        assertEquals(appsLeft, apps(user));
    }

    @Test
    void theLastPhoneOrAppIsNeverRemovedAndRecoveryCodesDoNotCount() throws Exception {
        String user = unique("last");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        createRecoveryCodes(client);
        HtmlPage page = pages.open(client, "/twostep/security");
        assertNull(page.getElementById("remove-phone"), "no Remove button for the only phone");
        assertTrue(text(page).contains("You cannot remove your only phone or authenticator app"), text(page));

        HtmlPage account = pages.open(client, "/account");
        HtmlPage forged = post(client, account, "action", "remove-phone");
        assertEquals(409, forged.getWebResponse().getStatusCode(), text(forged));
        assertTrue(text(forged).contains("Not removed: this is your last phone or authenticator app"), text(forged));
        assertEquals(1, phones(user));
        assertEquals(0, audited(user, "PHONE_REMOVED"));
        assertFalse(forged.getWebResponse().getContentAsString().contains("Exception"));
    }

    @Test
    void anotherUsersAppIdRemovesNothing() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        pages.createAccount(alice, PASSWORD, "(415) 555-2671");
        pages.createAccount(bob, PASSWORD, "(415) 555-2672");
        WebClient aliceClient = SERVER.newClient();
        signedIn(aliceClient, alice, false);
        addApp(aliceClient);
        WebClient bobClient = SERVER.newClient();
        signedIn(bobClient, bob, false);
        addApp(bobClient);

        HtmlPage page = pages.open(bobClient, "/twostep/security");
        HtmlPage refused = post(bobClient, page, "action", "remove-app", "id", Long.toString(appId(alice)));
        assertEquals(404, refused.getWebResponse().getStatusCode(), text(refused));
        assertTrue(text(refused).contains("Nothing was changed"), text(refused));
        assertEquals(1, apps(alice));
        assertEquals(1, apps(bob));
        assertEquals(0, audited(alice, "AUTHENTICATOR_REMOVED"));
        assertEquals(0, audited(bob, "AUTHENTICATOR_REMOVED"));
    }

    @Test
    void revokingOneDeviceAsksThatDeviceForACodeAgainAndKeepsTheOther() throws Exception {
        String user = unique("revoke");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient phone = SERVER.newClient();
        Pages.click(signedIn(phone, user, true), "signout");
        WebClient laptop = SERVER.newClient();
        signedIn(laptop, user, true);
        assertEquals(2, liveDevices(user));
        long phoneDevice = SERVER.count("SELECT id FROM remembered_devices WHERE username = ? ORDER BY created_at"
                + " LIMIT 1", user);

        HtmlPage page = pages.open(laptop, "/twostep/security");
        String listed = page.getHtmlElementById("device-" + phoneDevice).asNormalizedText();
        assertTrue(listed.contains("Remembered until 2026-01-31"), listed);
        assertTrue(listed.contains("Added 2026-01-01") && listed.contains("Last used 2026-01-01"), listed);
        HtmlPage after = page.<org.htmlunit.html.HtmlButton>getHtmlElementById("revoke-device-" + phoneDevice).click();
        assertEquals("/app/twostep/security", after.getUrl().getPath());
        assertTrue(text(after).contains("That device will ask for a code again"), text(after));
        assertNull(after.getElementById("device-" + phoneDevice));
        assertEquals(1, liveDevices(user));
        assertEquals(1, audited(user, "DEVICE_REVOKED"));

        int sent = SERVER.sender().sent().size();
        HtmlPage code = pages.signIn(phone, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertEquals(sent + 1, SERVER.sender().sent().size());

        Pages.click(pages.open(laptop, "/account"), "signout");
        assertEquals("/app/account", pages.signIn(laptop, user, PASSWORD).getUrl().getPath(), "the other device holds");

        // Forget all, from the page.
        HtmlPage forgotten = Pages.click(pages.open(laptop, "/twostep/security"), "forget-devices");
        assertTrue(text(forgotten).contains("Every remembered device will ask for a code again"), text(forgotten));
        assertEquals(0, liveDevices(user));
        // A revoked device's id revokes nothing more.
        HtmlPage none = post(laptop, pages.open(laptop, "/account"), "action", "revoke-device", "id",
                Long.toString(phoneDevice));
        assertEquals(404, none.getWebResponse().getStatusCode(), text(none));
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        String user = unique("csrf");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        addApp(client);
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(SERVER.url("/twostep/security"))).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=remove-app&id=" + appId(user))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, answer.statusCode());
        assertEquals(1, apps(user));
        assertEquals(0, audited(user, "AUTHENTICATOR_REMOVED"));
    }

    @Test
    void badInputGets400WithThePageAndNoStackTrace() throws Exception {
        String user = unique("bad");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        addApp(client);
        HtmlPage page = pages.open(client, "/twostep/security");
        String[][] cases = {
            {"action", "explode"},
            {"action", "remove-app"},
            {"action", "remove-app", "id", "garbage"},
            {"action", "remove-app", "id", "-4"},
            {"action", "remove-app", "id", "99999999999999999999999"},
            {"action", "revoke-device", "id", "1e3"},
        };
        for (String[] fields : cases) {
            HtmlPage answer = post(client, page, fields);
            assertEquals(400, answer.getWebResponse().getStatusCode(), String.join(" ", fields) + ": " + text(answer));
            assertTrue(text(answer).contains("The request could not be read: nothing was changed"), text(answer));
            assertFalse(answer.getWebResponse().getContentAsString().contains("Exception"));
        }
        assertEquals(1, apps(user));
    }

    @Test
    void thePageNeedsBothSteps() throws Exception {
        assertEquals("/app/login", pages.open(SERVER.newClient(), "/twostep/security").getUrl().getPath());
        String user = unique("half");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient half = SERVER.newClient();
        pages.signIn(half, user, PASSWORD);
        assertEquals("/app/twostep/code", pages.open(half, "/twostep/security").getUrl().getPath());
    }

    @Test
    void addingAFactorInAStaleSessionAsksToConfirmFirst() throws Exception {
        String user = unique("addstale");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        SERVER.clock().advance(Duration.ofMinutes(6));

        // An app: "Confirm it's you", and no secret is made until then.
        HtmlPage refused = pages.open(client, "/twostep/app");
        assertEquals(403, refused.getWebResponse().getStatusCode(), text(refused));
        assertTrue(text(refused).contains("Confirm it's you"), text(refused));
        assertNull(refused.getElementById("secret"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
        HtmlPage code = Pages.click(refused, "confirm");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        HtmlPage app = enterCode(Pages.way(code, "sms"), SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", app.getUrl().getPath(), text(app));
        assertTrue(app.getWebResponse().getContentAsString().contains("<svg"), text(app));

        // Recovery codes: the count shows, but making them asks again once the step is stale.
        SERVER.clock().advance(Duration.ofMinutes(6));
        HtmlPage recovery = pages.open(client, "/twostep/recovery");
        assertEquals(200, recovery.getWebResponse().getStatusCode(), text(recovery));
        HtmlPage refusedCodes = Pages.click(recovery, "create");
        assertEquals(403, refusedCodes.getWebResponse().getStatusCode(), text(refusedCodes));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ?", user));
        HtmlPage back = enterCode(Pages.way(Pages.click(refusedCodes, "confirm"), "sms"), SERVER.sender().lastCode());
        assertEquals("/app/twostep/recovery", back.getUrl().getPath(), text(back));
        HtmlPage shown = Pages.click(back, "create");
        assertEquals(200, shown.getWebResponse().getStatusCode(), text(shown));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ?", user));
    }

    @Test
    void withThePhoneRemovedTheAppAloneSignsInAndAPhoneCanBeAddedAgain() throws Exception {
        String user = unique("nophone");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        byte[] secret = addApp(client);
        HtmlPage removed = Pages.click(pages.open(client, "/twostep/security"), "remove-phone");
        assertTrue(text(removed).contains("The phone was removed"), text(removed));
        assertEquals(0, phones(user));

        // The next sign-in: the app is the only way, and nothing is sent.
        int sends = SERVER.sender().sent().size();
        WebClient next = SERVER.newClient();
        HtmlPage code = pages.signIn(next, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertFalse(text(code).contains("Text me"), text(code));
        HtmlPage account = submitFormOf(type(code, "totp", totp.code(secret, totp.currentStep())), "totp");
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        assertEquals(sends, SERVER.sender().sent().size());

        // "Add a phone" on the security page: the number is confirmed with a code, then it is a factor again.
        HtmlPage enroll = pages.open(next, "/twostep/security").getAnchorByText("Add a phone").click();
        assertEquals("/app/twostep/enroll", enroll.getUrl().getPath(), text(enroll));
        type(enroll, "phone", "(415) 555-2680");
        HtmlPage confirm = submitFormOf(enroll, "phone");
        assertEquals("/app/twostep/code", confirm.getUrl().getPath(), text(confirm));
        assertTrue(text(confirm).contains("Confirm your phone"), text(confirm));
        HtmlPage done = enterCode(confirm, SERVER.sender().lastCode());
        assertEquals("/app/account", done.getUrl().getPath(), text(done));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ? AND phone_e164 = ?"
                + " AND confirmed_at IS NOT NULL", user, "+14155552680"));
        assertEquals(2, audited(user, "ENROLLED"), "registration, then the added phone");
        HtmlPage listed = pages.open(next, "/twostep/security");
        assertTrue(text(listed).contains("Text messages to your phone ending in 80"), text(listed));
    }

    @Test
    void signOutEverywhereElseFromTheSecurityPage() throws Exception {
        String user = unique("everywhere");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient other = SERVER.newClient();
        signedIn(other, user, false);
        WebClient here = SERVER.newClient();
        signedIn(here, user, false);
        HtmlPage done = Pages.click(pages.open(here, "/twostep/security"), "sign-out-everywhere");
        assertTrue(text(done).contains("You were signed out everywhere else"), text(done));
        assertEquals("/app/account", pages.open(here, "/account").getUrl().getPath(), "this session stays");
        assertEquals("/app/login", pages.open(other, "/account").getUrl().getPath(), "the other one is signed out");
        assertEquals(1, audited(user, "SIGNED_OUT_EVERYWHERE"));
    }

    @Test
    void aRememberedDeviceSignsInButIsNeverAFreshSecondStep() throws Exception {
        String user = unique("devicefresh");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        Pages.click(signedIn(client, user, true), "signout");
        // The password alone, on the remembered browser: signed in, but adding or removing a factor asks the person.
        HtmlPage account = pages.signIn(client, user, PASSWORD);
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        HtmlPage app = pages.open(client, "/twostep/app");
        assertEquals(403, app.getWebResponse().getStatusCode(), text(app));
        assertTrue(text(app).contains("Confirm it's you"), text(app));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
        HtmlPage phone = pages.open(client, "/account/phone");
        assertEquals(403, phone.getWebResponse().getStatusCode(), text(phone));
        // Confirming goes through the code page, which the remembered device does not answer.
        HtmlPage code = Pages.click(app, "confirm");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        HtmlPage back = enterCode(Pages.way(code, "sms"), SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", back.getUrl().getPath(), text(back));
        assertEquals(200, back.getWebResponse().getStatusCode());
    }

    @Test
    void aUserWithOnlyAnAppIsRememberedTooAndAddsAPhoneWhereTheyWouldChangeIt() throws Exception {
        String user = unique("apponly");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, false);
        byte[] secret = addApp(client);
        Pages.click(pages.open(client, "/twostep/security"), "remove-phone");
        assertEquals(0, phones(user));
        // "Change phone number" is "Add a phone" now, and the old address sends there too.
        HtmlPage account = pages.open(client, "/account");
        assertNull(account.getElementById("change-phone"), text(account));
        assertNotNull(account.getElementById("add-phone"), text(account));
        assertEquals("/app/twostep/enroll", pages.open(client, "/account/phone").getUrl().getPath());
        Pages.click(account, "signout");

        WebClient browser = SERVER.newClient();
        HtmlPage code = pages.signIn(browser, user, PASSWORD);
        code.<HtmlCheckBoxInput>getHtmlElementById("remember-app").setChecked(true);
        HtmlPage in = submitFormOf(type(code, "totp", totp.code(secret, totp.currentStep())), "totp");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        Pages.click(in, "signout");
        HtmlPage again = pages.signIn(browser, user, PASSWORD);
        assertEquals("/app/account", again.getUrl().getPath(), "remembered: " + text(again));
    }
}
