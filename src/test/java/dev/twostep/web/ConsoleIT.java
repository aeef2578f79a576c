package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.Page;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlAnchor;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.htmlunit.html.HtmlSelect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 15, the operators' console in the standalone app ({@code /twostep/admin}, operators named by
 * {@code twostep.admin.users}): walked in HtmlUnit as an operator and as the users they help. A user who is no
 * operator gets 403; the operator finds a user, reads the trail, unlocks, resets a lost phone (the user then
 * enrolls again and signs in), exports a search as CSV; every action lands in the trail with the operator's
 * name; bad input gets a 4xx with a message.
 */
class ConsoleIT {
    static final String PASSWORD = "correct horse battery";
    static final String PHONE = "+14155552671";
    static final String OPERATOR = "olga";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.admin.users", "Olga, root");
        s.put("twostep.limits.code-failures-before-lock", "3");
        s.put("twostep.remember-device.days", "30");
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** The operator's account, made once. */
    private void operatorAccount() throws IOException {
        if (SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = ?", OPERATOR) == 0) {
            pages.createAccount(OPERATOR, PASSWORD, "+14155550123");
        }
    }

    /** Password and sent code; ends on the account page. */
    private HtmlPage signedIn(WebClient client, String user) throws IOException {
        return pages.signedIn(client, user, PASSWORD);
    }

    private WebClient operator() throws IOException {
        return pages.signedInClient(OPERATOR, PASSWORD, "+14155550123");
    }

    private HtmlPage userPage(WebClient operator, String user) throws IOException {
        HtmlPage users = pages.open(operator, "/twostep/admin");
        assertEquals(200, users.getWebResponse().getStatusCode(), text(users));
        HtmlPage found = Pages.submitFormOf(type(users, "q", user.substring(0, user.length() - 2)), "q");
        HtmlAnchor link = found.getAnchorByText(user);
        HtmlPage page = link.click();
        assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("User " + user), text(page));
        return page;
    }

    private long audited(String user, String event, String detail) {
        return SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ? AND detail = ?",
                user, event, detail);
    }

    @Test
    void onlyOperatorsWhoPassedBothStepsGetIn() throws Exception {
        operatorAccount();
        String bob = unique("bob");
        pages.createAccount(bob, PASSWORD, PHONE);

        WebClient anonymous = SERVER.newClient();
        HtmlPage login = pages.open(anonymous, "/twostep/admin");
        assertEquals("/app/login", login.getUrl().getPath(), "no first step: the sign-in page");

        WebClient halfway = SERVER.newClient();
        pages.signIn(halfway, OPERATOR, PASSWORD);
        HtmlPage code = pages.open(halfway, "/twostep/admin/user?name=" + bob);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), "an operator at the code step: the code page");

        WebClient user = SERVER.newClient();
        HtmlPage account = signedIn(user, bob);
        HtmlPage refused = pages.open(user, "/twostep/admin");
        assertEquals(403, refused.getWebResponse().getStatusCode());
        assertTrue(text(refused).contains("This page is for operators only."), text(refused));
        assertEquals("no-store", refused.getWebResponse().getResponseHeaderValue("Cache-Control"));
        // A non-operator's forged action with a valid token of their own session changes nothing.
        HtmlPage forged = Pages.post(account, "/app/twostep/admin/user", "name", OPERATOR, "action", "end-sessions");
        assertEquals(403, forged.getWebResponse().getStatusCode());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event LIKE 'OPERATOR%'",
                OPERATOR));
        Page csv = user.getPage(SERVER.url("/twostep/admin/audit.csv"));
        assertEquals(403, csv.getWebResponse().getStatusCode());
        assertFalse(csv.getWebResponse().getContentAsString().contains("CODE_SENT"));
    }

    @Test
    void theOperatorUnlocksAUserAndResetsTheirLostPhoneThenTheUserEnrollsAgain() throws Exception {
        String carl = unique("carl");
        pages.createAccount(carl, PASSWORD, PHONE);

        // Carl's session from before, on a remembered browser, and carl locking himself out with wrong codes.
        WebClient carlsOldSession = SERVER.newClient();
        signedIn(carlsOldSession, carl);
        WebClient carlClient = SERVER.newClient();
        HtmlPage code = Pages.way(pages.signIn(carlClient, carl, PASSWORD), "sms");
        for (int i = 0; i < 3; i++) {
            code = enterCode(code, "000000".equals(SERVER.sender().lastCode()) ? "111111" : "000000");
        }
        assertTrue(text(code).contains("Too many wrong codes"), text(code));

        WebClient operator = operator();
        HtmlPage page = userPage(operator, carl);
        String shown = text(page);
        assertTrue(shown.contains("Text messages to the phone ending in 71"), shown);
        assertFalse(shown.contains("5552671") || shown.contains("555 2671"), "never the whole number: " + shown);
        assertTrue(shown.contains("Second step: locked until"), shown);
        assertTrue(shown.contains("after 3 failures in a row"), shown);
        // The trail, newest first, in words and with the raw event for operators.
        assertTrue(page.getHtmlElementById("trail").asNormalizedText().contains("CODE_REJECTED"), shown);

        long lockedBefore = codeLocksOnHealthPage(operator);
        assertTrue(lockedBefore >= 1, "carl's lock is counted on the health page");

        HtmlPage unlocked = button(page, "unlock-code").click();
        assertEquals(userPath(carl), unlocked.getUrl().getFile(), "the user's page again, after a redirect");
        assertTrue(text(unlocked).contains("The second step was unlocked."), text(unlocked));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE scope = 'code' AND username = ?", carl));
        assertEquals(1, audited(carl, "OPERATOR_UNLOCKED", "by olga: code"));
        assertEquals(lockedBefore - 1, codeLocksOnHealthPage(operator));
        assertTrue(text(unlocked).contains("Unlocked by an administrator"), "in the trail: " + text(unlocked));
        // Carl signs in again.
        signedIn(SERVER.newClient(), carl);

        // Carl lost his phone: the operator removes it, with a reason.
        HtmlPage again = pages.open(operator, "/twostep/admin/user?name=" + carl);
        HtmlPage noReason = button(again, "reset").click();
        assertEquals(400, noReason.getWebResponse().getStatusCode());
        assertTrue(text(noReason).contains("Type the reason for the reset, at most 200 characters."), text(noReason));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", carl), "nothing removed");

        int notices = SERVER.sender().notices().size();
        type(noReason, "reason", "Lost phone, ticket 4711");
        HtmlPage reset = button(noReason, "reset").click();
        assertTrue(text(reset).contains("The phone was removed."), text(reset));
        assertTrue(text(reset).contains("No factor: the user sets one up at the next sign-in."), text(reset));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", carl));
        assertEquals(1, audited(carl, "OPERATOR_FACTORS_RESET", "by olga: phone; Lost phone, ticket 4711"));
        List<RecordingSender.Notice> told = SERVER.sender().notices().subList(notices, SERVER.sender().notices().size());
        assertEquals(1, told.size(), "the phone on file is told: " + told);
        assertEquals(PHONE, told.get(0).to());
        assertTrue(told.get(0).text().contains("an administrator reset how you sign in"), told.get(0).text());

        // Carl's old session has ended.
        HtmlPage ended = pages.open(carlsOldSession, "/account");
        assertEquals("/app/login", ended.getUrl().getPath(), text(ended));

        // Carl signs in: no factor, so he sets up a phone again (allowed after the reset), then the account.
        HtmlPage enroll = pages.signIn(SERVER.newClient(), carl, PASSWORD);
        assertEquals("/app/twostep/enroll", enroll.getUrl().getPath(), text(enroll));
        type(enroll, "phone", "+14155550199");
        enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@name='channel'][@value='sms']").setChecked(true);
        HtmlPage confirm = Pages.submitFormOf(enroll, "phone");
        assertEquals("+14155550199", SERVER.sender().last().orElseThrow().to());
        HtmlPage account = enterCode(confirm, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ? AND confirmed_at IS NOT NULL",
                carl));

        // Who did what: the audit search across users, by event kind.
        HtmlPage audit = pages.open(operator, "/twostep/admin/audit");
        HtmlSelect events = audit.getHtmlElementById("event");
        events.getOptionByValue("OPERATOR_FACTORS_RESET").setSelected(true);
        type(audit, "user", carl);
        HtmlPage result = Pages.submitFormOf(audit, "user");
        String trail = result.getHtmlElementById("trail").asNormalizedText();
        assertTrue(trail.contains("by olga: phone; Lost phone, ticket 4711"), trail);
        assertEquals(1, result.getByXPath("//tr[@class='trail-row']").size(), trail);
    }

    @Test
    void aResetNeedsTheOperatorsFreshStepAndNeverTheirOwnFactors() throws Exception {
        String dana = unique("dana");
        pages.createAccount(dana, PASSWORD, PHONE);
        WebClient operator = operator();
        SERVER.clock().advance(Duration.ofMinutes(6));

        HtmlPage page = pages.open(operator, "/twostep/admin/user?name=" + dana);
        assertNull(page.getElementById("reset-form"), "no reset form on an old step");
        assertTrue(text(page).contains("pass your own second step again"), text(page));
        // Posted anyway: "Confirm it's you", and nothing removed.
        HtmlPage refused = Pages.post(page, "/app/twostep/admin/user", "name", dana, "action", "reset", "what", "all",
                "reason", "user asked");
        assertEquals(403, refused.getWebResponse().getStatusCode());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", dana));

        HtmlPage code = button(refused, "confirm").click();
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        HtmlPage back = enterCode(Pages.way(code, "sms"), SERVER.sender().lastCode());
        assertEquals(userPath(dana), back.getUrl().getFile(), text(back));
        back.<HtmlRadioButtonInput>getHtmlElementById("what-all").setChecked(true);
        type(back, "reason", "Phone and app stolen");
        HtmlPage done = button(back, "reset").click();
        assertTrue(text(done).contains("Every factor was removed."), text(done));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", dana));

        // Never the operator's own factors.
        HtmlPage own = pages.open(operator, "/twostep/admin/user?name=" + OPERATOR);
        assertTrue(text(own).contains("Your own factors are changed on your security page"), text(own));
        assertNull(own.getElementById("reset-form"));
        HtmlPage self = Pages.post(own, "/app/twostep/admin/user", "name", OPERATOR, "action", "reset", "what", "phone",
                "reason", "test");
        assertEquals(403, self.getWebResponse().getStatusCode());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", OPERATOR));
    }

    @Test
    void endingSessionsAndForgettingDevicesAreAuditedWithTheOperatorsName() throws Exception {
        String erin = unique("erin");
        pages.createAccount(erin, PASSWORD, PHONE);
        WebClient erinsBrowser = SERVER.newClient();
        HtmlPage code = Pages.way(pages.signIn(erinsBrowser, erin, PASSWORD), "sms");
        code.<org.htmlunit.html.HtmlCheckBoxInput>getHtmlElementById("remember-code").setChecked(true);
        enterCode(code, SERVER.sender().lastCode());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ? AND revoked_at IS NULL",
                erin));

        WebClient operator = operator();
        HtmlPage page = pages.open(operator, "/twostep/admin/user?name=" + erin);
        assertNotNull(page.getElementById("devices"), text(page));
        HtmlPage forgotten = button(page, "revoke-devices").click();
        assertTrue(text(forgotten).contains("The remembered devices were forgotten"), text(forgotten));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ? AND revoked_at IS NULL",
                erin));
        assertEquals(1, audited(erin, "OPERATOR_DEVICES_REVOKED", "by olga: 1 revoked"));

        HtmlPage ended = button(forgotten, "end-sessions").click();
        assertTrue(text(ended).contains("Every session of the user was ended"), text(ended));
        assertEquals(1, audited(erin, "OPERATOR_SIGNED_OUT", "by olga: 0 remembered devices revoked"));
        assertEquals("/app/login", pages.open(erinsBrowser, "/account").getUrl().getPath());
        // Nothing to unlock is said so, and changes nothing.
        HtmlPage nothing = Pages.post(ended, "/app/twostep/admin/user", "name", erin, "action", "unlock", "scope", "code");
        assertEquals(409, nothing.getWebResponse().getStatusCode());
        assertTrue(text(nothing).contains("Nothing to unlock"), text(nothing));
    }

    @Test
    void usersArePagedAndTheAuditSearchExportsAsCsv() throws Exception {
        String prefix = unique("zed") + "-";
        for (int i = 0; i < ConsoleServlet.PAGE + 5; i++) {
            SERVER.jdbc().update("a user", "INSERT INTO accounts (username, password_hash, created_at) VALUES (?, 'x', 0)",
                    dev.twostep.db.Jdbc.params(String.format("%s%03d", prefix, i)));
        }
        WebClient operator = operator();
        HtmlPage first = pages.open(operator, "/twostep/admin?q=" + prefix);
        assertEquals(ConsoleServlet.PAGE, first.getHtmlElementById("users").getElementsByTagName("li").size());
        HtmlPage second = first.getHtmlElementById("next").click();
        List<String> rest = second.getHtmlElementById("users").getElementsByTagName("li").stream()
                .map(org.htmlunit.html.DomNode::asNormalizedText).toList();
        assertEquals(List.of(prefix + "050", prefix + "051", prefix + "052", prefix + "053", prefix + "054"), rest);
        assertNull(second.getElementById("next"));
        HtmlPage none = pages.open(operator, "/twostep/admin?q=" + prefix + "nobody");
        assertTrue(text(none).contains("No user's name starts with that."), text(none));
        // % and _ are letters here, not wildcards.
        HtmlPage percent = pages.open(operator, "/twostep/admin?q=%25");
        assertNull(percent.getElementById("users"), text(percent));

        String fay = unique("fay");
        pages.createAccount(fay, PASSWORD, PHONE);
        HtmlPage audit = pages.open(operator, "/twostep/admin/audit?user=" + fay + "&event=CODE_SENT");
        assertEquals(200, audit.getWebResponse().getStatusCode(), text(audit));
        assertEquals(1, audit.getByXPath("//tr[@class='trail-row']").size(), text(audit));
        Page csv = audit.getHtmlElementById("csv").click();
        assertEquals("text/csv", csv.getWebResponse().getContentType());
        assertEquals("no-store", csv.getWebResponse().getResponseHeaderValue("Cache-Control"));
        assertTrue(csv.getWebResponse().getResponseHeaderValue("Content-Disposition").startsWith("attachment"));
        String[] lines = csv.getWebResponse().getContentAsString().split("\r\n");
        assertEquals("time_utc,user,event,detail,address,user_agent,repeats", lines[0]);
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[1].contains(",\"" + fay + "\",\"CODE_SENT\",\"sms to "), lines[1]);
        assertFalse(lines[1].contains("5552671"), "the masked number only: " + lines[1]);
        // The export is on the operator's own trail, with what was searched.
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = 'OPERATOR_EXPORTED'"
                + " AND detail = ?", OPERATOR, "rows=1; event=CODE_SENT&user=" + fay));
        // The whole trail of that user has more kinds.
        Page all = operator.getPage(SERVER.url("/twostep/admin/audit.csv?user=" + fay));
        assertTrue(all.getWebResponse().getContentAsString().contains("\"CODE_ACCEPTED\""));
    }

    @Test
    void badInputGetsAClearMessageAndA4xx() throws Exception {
        WebClient operator = operator();
        HtmlPage badTime = pages.open(operator, "/twostep/admin/audit?from=yesterday&to=2026-13-01");
        assertEquals(400, badTime.getWebResponse().getStatusCode());
        assertTrue(text(badTime).contains("Enter a time as 2026-11-29 or 2026-11-29T08:30 (UTC)."), text(badTime));
        assertEquals("true", badTime.getHtmlElementById("from").getAttribute("aria-invalid"));
        HtmlPage backwards = pages.open(operator, "/twostep/admin/audit?from=2026-11-29&to=2026-11-28");
        assertEquals(400, backwards.getWebResponse().getStatusCode());
        assertTrue(text(backwards).contains("The end must come after the start."), text(backwards));
        HtmlPage badEvent = pages.open(operator, "/twostep/admin/audit?event=DROP_TABLE");
        assertEquals(400, badEvent.getWebResponse().getStatusCode());
        Page badCsv = operator.getPage(SERVER.url("/twostep/admin/audit.csv?from=x"));
        assertEquals(400, badCsv.getWebResponse().getStatusCode());
        assertTrue(badCsv.getWebResponse().getContentAsString().contains("Enter a time"));
        HtmlPage longName = pages.open(operator, "/twostep/admin?q=" + "a".repeat(300));
        assertEquals(400, longName.getWebResponse().getStatusCode());
        assertTrue(text(longName).contains("Use at most 255 characters"), text(longName));
        HtmlPage nobody = pages.open(operator, "/twostep/admin/user?name=nobody-at-all");
        assertEquals(404, nobody.getWebResponse().getStatusCode());
        assertTrue(text(nobody).contains("There is no user of that name."), text(nobody));
        HtmlPage garbageCursor = pages.open(operator, "/twostep/admin/audit?before=%27;DROP");
        assertEquals(200, garbageCursor.getWebResponse().getStatusCode(), "an unreadable cursor is the first page");
        HtmlPage unknown = pages.open(operator, "/twostep/admin/nothing-here");
        assertEquals(404, unknown.getWebResponse().getStatusCode());
        HtmlPage own = pages.open(operator, "/twostep/admin/user?name=" + OPERATOR);
        HtmlPage badAction = Pages.post(own, "/app/twostep/admin/user", "name", OPERATOR, "action", "explode");
        assertEquals(400, badAction.getWebResponse().getStatusCode());
        assertTrue(text(badAction).contains("That action is not known."), text(badAction));
        HtmlPage badScope = Pages.post(own, "/app/twostep/admin/user", "name", OPERATOR, "action", "unlock",
                "scope", "everything");
        assertEquals(400, badScope.getWebResponse().getStatusCode());
        HtmlPage health = pages.open(operator, "/twostep/admin/health");
        assertEquals(200, health.getWebResponse().getStatusCode(), text(health));
        assertTrue(health.getHtmlElementById("budget").asNormalizedText().contains("an hour"), text(health));
    }

    /** The health page's count of second steps locked now. */
    private long codeLocksOnHealthPage(WebClient operator) throws IOException {
        HtmlPage health = pages.open(operator, "/twostep/admin/health");
        String cell = health.getHtmlElementById("lock-code").getElementsByTagName("td").get(1).asNormalizedText();
        return Long.parseLong(cell.replaceAll("[^0-9].*", ""));
    }

    private static String userPath(String user) {
        return "/app/twostep/admin/user?name=" + user;
    }

    private static org.htmlunit.html.HtmlButton button(HtmlPage page, String id) {
        return page.getHtmlElementById(id);
    }
}
