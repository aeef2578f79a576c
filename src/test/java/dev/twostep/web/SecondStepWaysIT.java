package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static dev.twostep.testing.Pages.way;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.DomNode;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.Channel;
import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, item 3: the code page offers the user's factors, the one used last first, and "Use another
 * way" lists the others (text me, call me, authenticator app, recovery code); every way signs in from
 * every other; wrong tries of every kind count in one lock.
 */
class SecondStepWaysIT {
    static final int LOCK_AFTER = 4;
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);
    private final Totp totp = new Totp(SERVER.clock());

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

    /** Someone with a phone (SMS), an authenticator app and recovery codes; returns the app's secret. */
    private byte[] everyFactor(String user, List<String> recoveryCodes) throws IOException {
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = enterCode(pages.signIn(client, user, PASSWORD), SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        HtmlPage app = pages.open(client, "/twostep/app");
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        HtmlPage done = submitFormOf(type(app, "app-code", appCode(secret)), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        HtmlPage shown = Pages.click(pages.open(client, "/twostep/recovery"), "create");
        recoveryCodes.addAll(shown.getHtmlElementById("codes").getElementsByTagName("code").stream()
                .map(DomNode::asNormalizedText).toList());
        // Codes of the app are good once per 30 s step: the next ones come from the next step.
        SERVER.clock().advance(Duration.ofSeconds(30));
        return secret;
    }

    private String appCode(byte[] secret) {
        return totp.code(secret, totp.currentStep());
    }

    private String wrongAppCode(byte[] secret) {
        long now = totp.currentStep();
        for (int i = 0; ; i++) {
            String guess = String.format("%06d", i);
            if (!guess.equals(totp.code(secret, now - 1)) && !guess.equals(totp.code(secret, now))
                    && !guess.equals(totp.code(secret, now + 1))) {
                return guess;
            }
        }
    }

    private static List<String> others(HtmlPage code) {
        return code.getByXPath("//ul[@class='ways']/li").stream().map(n -> ((DomNode) n).asNormalizedText()).toList();
    }

    @Test
    void eachWayListsTheOthersAndSignsIn() throws Exception {
        String user = unique("ways");
        List<String> recovery = new java.util.ArrayList<>();
        byte[] secret = everyFactor(user, recovery);

        // The app was added last, so it comes first, and nothing is sent at sign-in.
        int sends = SERVER.sender().sent().size();
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        assertEquals(sends, SERVER.sender().sent().size(), "nothing sent");
        assertTrue(text(code).contains("Open your authenticator app"), text(code));
        assertEquals(List.of("Text me a code", "Call me with a code", "Use a recovery code"), others(code));

        // From the app to a text message: it is sent, and the list now offers the call, the app and the codes.
        HtmlPage sms = way(code, "sms");
        assertEquals(sends + 1, SERVER.sender().sent().size());
        assertEquals(Channel.SMS, SERVER.sender().last().orElseThrow().channel());
        assertTrue(text(sms).contains("We sent a text message with a code to your phone ending in 71"), text(sms));
        assertEquals(List.of("Call me instead", "Use your authenticator app", "Use a recovery code"), others(sms));

        // From the text message to a recovery code; the text's code stays a link back, not a new send.
        HtmlPage rec = way(sms, "recovery");
        assertTrue(text(rec).contains("Enter one of the recovery codes"), text(rec));
        assertEquals(List.of("Enter the code we sent by text message", "Call me instead",
                "Use your authenticator app"), others(rec));
        assertEquals(sends + 1, SERVER.sender().sent().size());

        // From the codes to a call: it goes out, and the text's code no longer counts.
        HtmlPage call = way(rec, "voice");
        assertEquals(Channel.VOICE, SERVER.sender().last().orElseThrow().channel());
        assertTrue(text(call).contains("We are calling your phone ending in 71"), text(call));
        assertEquals(List.of("Text me instead", "Use your authenticator app", "Use a recovery code"), others(call));
        String called = SERVER.sender().lastCode();

        // Back to the app, then in with the called code from the voice way.
        HtmlPage app = way(call, "app");
        assertTrue(text(app).contains("Open your authenticator app"), text(app));
        HtmlPage in = enterCode(way(app, "voice"), called);
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        Pages.click(in, "signout");

        // Each of the others signs in too: the app, a recovery code, a text message. (The call signed in
        // last, so the phone is first now: a text goes out at sign-in, and the app is under "another way".)
        HtmlPage byApp = submitFormOf(type(way(pages.signIn(SERVER.newClient(), user, PASSWORD), "app"), "totp",
                appCode(secret)), "totp");
        assertEquals("/app/account", byApp.getUrl().getPath(), text(byApp));
        HtmlPage byRecovery = submitFormOf(type(way(pages.signIn(SERVER.newClient(), user, PASSWORD), "recovery"),
                "recovery-code", recovery.get(0)), "recovery-code");
        assertEquals("/app/account", byRecovery.getUrl().getPath(), text(byRecovery));
        HtmlPage textMe = way(pages.signIn(SERVER.newClient(), user, PASSWORD), "sms");
        HtmlPage bySms = enterCode(textMe, SERVER.sender().lastCode());
        assertEquals("/app/account", bySms.getUrl().getPath(), text(bySms));
    }

    @Test
    void theFactorUsedLastComesFirst() throws Exception {
        String user = unique("last");
        byte[] secret = everyFactor(user, new java.util.ArrayList<>());
        // A sign-in by text message makes the phone the first way again: the next sign-in texts at once.
        HtmlPage bySms = enterCode(way(pages.signIn(SERVER.newClient(), user, PASSWORD), "sms"),
                SERVER.sender().lastCode());
        assertEquals("/app/account", bySms.getUrl().getPath(), text(bySms));
        SERVER.clock().advance(Duration.ofSeconds(1));
        int sends = SERVER.sender().sent().size();
        HtmlPage next = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertEquals(sends + 1, SERVER.sender().sent().size(), "texted at sign-in");
        assertTrue(text(next).contains("We sent a text message"), text(next));
        assertEquals(List.of("Call me instead", "Use your authenticator app", "Use a recovery code"), others(next));

        // After the app signs in, the app is first again.
        HtmlPage byApp = submitFormOf(type(way(next, "app"), "totp", appCode(secret)), "totp");
        assertEquals("/app/account", byApp.getUrl().getPath(), text(byApp));
        SERVER.clock().advance(Duration.ofSeconds(30));
        sends = SERVER.sender().sent().size();
        HtmlPage third = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertEquals(sends, SERVER.sender().sent().size());
        assertTrue(text(third).contains("Open your authenticator app"), text(third));
    }

    @Test
    void wrongTriesOfEveryKindCountInOneLock() throws Exception {
        String user = unique("shared");
        List<String> recovery = new java.util.ArrayList<>();
        byte[] secret = everyFactor(user, recovery);
        WebClient client = SERVER.newClient();
        HtmlPage page = way(pages.signIn(client, user, PASSWORD), "sms");
        String sent = SERVER.sender().lastCode();
        String wrongSent = sent.equals("000000") ? "000001" : "000000";

        page = enterCode(page, wrongSent.substring(0, sent.length()));
        assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        page = submitFormOf(type(way(page, "app"), "totp", wrongAppCode(secret)), "totp");
        assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        page = submitFormOf(type(way(page, "recovery"), "recovery-code", "aaaaa-aaaaa"), "recovery-code");
        assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        page = submitFormOf(type(way(page, "app"), "totp", wrongAppCode(secret)), "totp");
        // The fourth wrong try, of three kinds, locks the step for every kind.
        assertEquals(429, page.getWebResponse().getStatusCode(), text(page));

        HtmlPage rightRecovery = submitFormOf(type(way(page, "recovery"), "recovery-code", recovery.get(0)),
                "recovery-code");
        assertEquals(429, rightRecovery.getWebResponse().getStatusCode(), text(rightRecovery));
        HtmlPage rightSms = enterCode(way(rightRecovery, "sms"), sent);
        assertEquals(429, rightSms.getWebResponse().getStatusCode(), text(rightSms));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ? AND used_at IS NULL",
                user), "a locked step spends no recovery code");
        assertFalse(pages.open(client, "/account").getUrl().getPath().endsWith("/account"), "not signed in");
    }

    @Test
    void aWayTheUserDoesNotHaveIsRefused() throws Exception {
        String user = unique("noway");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertNull(code.getElementById("way-app"));
        assertNull(code.getElementById("way-recovery"));
        // Asking for a way by hand shows the user's own instead.
        HtmlPage asked = pages.open(code.getEnclosingWindow().getWebClient(), "/twostep/code?way=app");
        assertNull(asked.getElementById("totp"), text(asked));
        assertTrue(text(asked).contains("We sent a text message"), text(asked));
    }
}
