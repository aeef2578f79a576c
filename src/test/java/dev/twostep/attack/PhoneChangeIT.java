package dev.twostep.attack;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TwostepServer;

/** Changing the phone needs the password and a code to the new number; the old number is told. */
class PhoneChangeIT {
    @RegisterExtension
    /** A low password-lock threshold, so a check counted toward the account's lock would show. */
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.limits.password-failures-before-lock", "2"));
    private final Pages pages = new Pages(SERVER);

    private HtmlPage signedIn(WebClient client, String user) throws Exception {
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        return enterCode(pages.signIn(client, user, "correct horse battery"), SERVER.sender().lastCode());
    }

    private static HtmlPage start(HtmlPage form, String password, String phone) throws Exception {
        type(form, "password", password);
        type(form, "phone", phone);
        form.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
        return submitFormOf(form, "password");
    }

    @Test
    void aStolenSessionTypingWrongPasswordsEndsItselfAndLocksNobodyOut() throws Exception {
        WebClient thief = SERVER.newClient();
        signedIn(thief, "stolensession");
        HtmlPage page = pages.open(thief, "/account/phone");
        for (int i = 0; i < 2; i++) {
            page = start(page, "guess number " + i, "(202) 555-0143");
            assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        }
        HtmlPage ended = start(page, "guess number 2", "(202) 555-0143");
        assertTrue(ended.getUrl().getPath().endsWith("/login"), ended.getUrl().toString());
        assertTrue(pages.open(thief, "/account").getUrl().getPath().endsWith("/login"), "the session is over");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE scope = 'password' AND locked_until > 0"),
                "no account lock");

        // The owner signs in as usual.
        for (int i = 0; i < 4; i++) {
            HtmlPage code = pages.signIn(SERVER.newClient(), "stolensession", "correct horse battery");
            assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
        }
    }

    @Test
    void parallelGuessesOnOneStolenSessionGetNoMoreChecksThanTheLimit() throws Exception {
        WebClient thief = SERVER.newClient();
        signedIn(thief, "parallelthief");
        HtmlPage form = pages.open(thief, "/account/phone");
        String cookie = "JSESSIONID=" + thief.getCookieManager().getCookie("JSESSIONID").getValue();
        String token = form.<org.htmlunit.html.HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> guesses =
                new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            guesses.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(SERVER.url("/account/phone")))
                    .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("twostep_csrf=" + token + "&password=guess" + i
                            + "&phone=%2B12025550143&channel=sms")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
        int checked = 0;
        for (var guess : guesses) {
            int status = guess.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode();
            // 422 a wrong password; 303 the session ended; 401 or 403 a request that came after it ended.
            assertTrue(status == 422 || status == 303 || status == 401 || status == 403, "status " + status);
            checked += status == 422 ? 1 : 0;
        }
        assertTrue(checked <= 2, checked + " guesses were checked; the limit is 3 a session, the third ends it");
        assertTrue(pages.open(thief, "/account").getUrl().getPath().endsWith("/login"), "the session is over");
        HtmlPage code = pages.signIn(SERVER.newClient(), "parallelthief", "correct horse battery");
        assertEquals(200, code.getWebResponse().getStatusCode(), "the owner is not locked out: " + text(code));
    }

    @Test
    void theWrongPasswordChangesNothingAndSendsNothing() throws Exception {
        WebClient client = SERVER.newClient();
        signedIn(client, "keepphone");
        int sent = SERVER.sender().sent().size();
        HtmlPage refused = start(pages.open(client, "/account/phone"), "not my password", "(202) 555-0143");
        assertEquals(422, refused.getWebResponse().getStatusCode());
        assertTrue(text(refused).contains("That password is not right. Your phone was not changed."), text(refused));
        assertEquals(sent, SERVER.sender().sent().size());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'keepphone' AND phone_e164 = '+14155552671'"));
    }

    @Test
    void passwordAndACodeToTheNewNumberChangeItAndTheOldNumberIsTold() throws Exception {
        WebClient client = SERVER.newClient();
        signedIn(client, "movephone");
        HtmlPage codePage = start(pages.open(client, "/account/phone"), "correct horse battery", "(202) 555-0143");
        assertTrue(text(codePage).contains("We sent a code to the new number ending in 43."), text(codePage));
        assertEquals("+12025550143", SERVER.sender().last().orElseThrow().to());
        String right = SERVER.sender().lastCode();

        HtmlPage wrong = enterCode(codePage, right.equals("000000") ? "111111" : "000000");
        assertEquals(422, wrong.getWebResponse().getStatusCode());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'movephone' AND phone_e164 = '+14155552671'"));

        HtmlPage account = enterCode(wrong, right);
        assertTrue(text(account).contains("Your phone number was changed."), text(account));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'movephone'"
                + " AND phone_e164 = '+12025550143' AND confirmed_at IS NOT NULL"));
        RecordingSender.Notice notice = SERVER.sender().notices().get(0);
        assertEquals("+14155552671", notice.to());
        assertTrue(notice.text().contains("changed to a number ending in 43"), notice.text());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'movephone'"
                + " AND event = 'PHONE_CHANGED' AND detail NOT LIKE '%4155552671%' AND detail NOT LIKE '%2025550143%'"));
        assertTrue(text(account).contains("Phone changed"), text(account));

        // The next sign-in's code goes to the new number.
        Pages.click(account, "signout");
        pages.signIn(client, "movephone", "correct horse battery");
        assertEquals("+12025550143", SERVER.sender().last().orElseThrow().to());
    }

    @Test
    void theConfirmationOffersANewCodeAndACallAndShowsTheCurrentNumber() throws Exception {
        WebClient client = SERVER.newClient();
        signedIn(client, "resendphone");
        HtmlPage form = pages.open(client, "/account/phone");
        assertTrue(text(form).contains("Your codes go to your phone ending in 71 until the change is confirmed."),
                text(form));
        SERVER.clock().advance(java.time.Duration.ofMinutes(1));
        HtmlPage codePage = start(form, "correct horse battery", "(202) 555-0144");
        assertTrue(codePage.getHtmlElementById("code").hasAttribute("autofocus"));
        String first = SERVER.sender().lastCode();

        SERVER.clock().advance(java.time.Duration.ofMinutes(1));
        HtmlPage resent = Pages.click(codePage, "resend");
        assertEquals(200, resent.getWebResponse().getStatusCode(), text(resent));
        assertTrue(text(resent).contains("A new code was sent to the new number"), text(resent));
        assertEquals("+12025550144", SERVER.sender().last().orElseThrow().to());

        SERVER.clock().advance(java.time.Duration.ofMinutes(1));
        HtmlPage called = Pages.click(resent, "switch");
        assertEquals(dev.twostep.delivery.Channel.VOICE, SERVER.sender().last().orElseThrow().channel());
        assertEquals("+12025550144", SERVER.sender().last().orElseThrow().to());
        assertTrue(text(called).contains("Text me instead"), text(called));

        // Earlier codes no longer work; the last one changes the phone, to voice.
        HtmlPage refused = enterCode(called, first);
        assertEquals(422, refused.getWebResponse().getStatusCode(), text(refused));
        HtmlPage account = enterCode(refused, SERVER.sender().lastCode());
        assertTrue(text(account).contains("Your phone number was changed."), text(account));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'resendphone'"
                + " AND phone_e164 = '+12025550144' AND channel = 'VOICE' AND confirmed_at IS NOT NULL"));
    }
}
