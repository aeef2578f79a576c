package dev.twostep.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;

import dev.twostep.browser.Chromium.Screen;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeMessage;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 13, "Tested in a real browser": the standalone app walked in Debian's headless Chromium, at a
 * phone's and a desktop's width, from registration to sign-out, with axe-core run on every page reached.
 * Any axe violation on any page fails the walk (all of them are listed). With
 * {@code -Dtwostep.screenshots=docs/screenshots} the phone walk also saves the README's screenshots, and
 * the German code page is saved as {@code code-de.png}.
 */
class SignInWalkBrowserIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer();

    static Stream<Screen> screens() {
        return Stream.of(Screen.PHONE, Screen.DESKTOP);
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** The folder the README's screenshots go to, when asked for with -Dtwostep.screenshots. */
    static Optional<Path> screenshots() {
        String dir = System.getProperty("twostep.screenshots", "");
        return dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
    }

    private static void screenshot(Chromium browser, Screen screen, String name) throws IOException {
        if (screen == Screen.PHONE && screenshots().isPresent()) {
            browser.screenshot(screenshots().get().resolve(name));
        }
    }

    private static String wrong(String code) {
        return code.equals("0".repeat(code.length())) ? "1".repeat(code.length()) : "0".repeat(code.length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("screens")
    void registerSignInWrongCodeResendCallAccountAndSignOut(Screen screen) throws Exception {
        // Each test skips by itself (a class-level skip would show as no test at all in the reports).
        Chromium.assumeInstalled();
        Axe axe = Axe.load();
        String user = unique("walk" + screen.name());
        try (Chromium browser = Chromium.start(screen, "en-US,en")) {
            try {
                walk(browser, screen, axe, user);
            } finally {
                // The violations found before a failing step are reported too.
                if (!axe.report().isEmpty()) {
                    System.out.println("axe violations at " + screen + ":\n" + axe.report());
                }
            }
        }
        axe.assertNone();
    }

    private void walk(Chromium browser, Screen screen, Axe axe, String user) throws IOException {
        // The sign-in page, as a new visitor sees it.
        browser.open(SERVER.url("/login"));
        assertEquals("/app/login", browser.path());
        axe.check(browser, "sign-in");
        screenshot(browser, screen, "sign-in.png");

        // Registration, with a phone number written the usual way.
        browser.clickAndWait(browser.driver().findElement(By.cssSelector("a[href$='/register']")));
        assertEquals("/app/register", browser.path());
        axe.check(browser, "registration");
        browser.type("username", user);
        browser.type("password", PASSWORD);
        browser.type("phone", "(415) 555-2671");
        browser.driver().findElement(By.cssSelector("input[name='channel'][value='sms']")).click();
        browser.submitFormOf("username");
        assertEquals("/app/twostep/code", browser.path(), browser.text());
        assertTrue(browser.text().contains("71"), browser.text());
        assertEquals("+14155552671", SERVER.sender().last().orElseThrow().to());
        axe.check(browser, "confirm phone (code page)");

        // "Wrong number? Change it": the enrollment page, then the same number again.
        browser.clickAndWait(browser.byId("change-number"));
        assertEquals("/app/twostep/enroll", browser.path(), browser.text());
        axe.check(browser, "enroll (change number)");
        browser.type("phone", "(415) 555-2671");
        browser.driver().findElement(By.cssSelector("input[name='channel'][value='sms']")).click();
        browser.submitFormOf("phone");
        assertEquals("/app/twostep/code", browser.path(), browser.text());

        browser.type("code", SERVER.sender().lastCode());
        browser.submitFormOf("code");
        assertEquals("/app/account", browser.path(), browser.text());
        assertTrue(browser.text().contains(user), browser.text());
        axe.check(browser, "account (after registration)");

        browser.open(SERVER.url("/twostep/security"));
        assertEquals("/app/twostep/security", browser.path(), browser.text());
        axe.check(browser, "security");
        browser.open(SERVER.url("/twostep/recovery"));
        assertEquals("/app/twostep/recovery", browser.path(), browser.text());
        axe.check(browser, "recovery codes");
        browser.clickAndWait(browser.driver().findElement(By.name("create")));
        assertEquals(10, browser.all(By.cssSelector("#codes li")).size(), browser.text());
        axe.check(browser, "recovery codes (new codes shown)");
        browser.open(SERVER.url("/no-such-page"));
        assertEquals("/app/no-such-page", browser.path());
        axe.check(browser, "error (404)");

        browser.open(SERVER.url("/account"));
        browser.clickAndWait(browser.driver().findElement(By.name("signout")));
        assertEquals("/app/login", browser.path(), browser.text());
        assertTrue(browser.text().contains("You are signed out."), browser.text());
        axe.check(browser, "sign-in (signed out)");
        browser.open(SERVER.url("/account"));
        assertEquals("/app/login", browser.path(), "signed out: the account page asks for a sign-in again");

        // Sign in again: a wrong password first.
        browser.type("username", user);
        browser.type("password", "not the password");
        browser.submitFormOf("username");
        assertEquals("/app/login", browser.path(), browser.text());
        assertTrue(browser.byId("form-error").isDisplayed(), browser.text());
        axe.check(browser, "sign-in (wrong password)");
        int sends = SERVER.sender().sent().size();
        browser.type("username", user);
        browser.type("password", PASSWORD);
        browser.submitFormOf("username");
        assertEquals("/app/twostep/code", browser.path(), browser.text());
        assertEquals(sends + 1, SERVER.sender().sent().size(), "a code is sent at sign-in");
        CodeMessage first = SERVER.sender().last().orElseThrow();
        assertEquals(Channel.SMS, first.channel());
        assertEquals(browser.driver().switchTo().activeElement(), browser.byId("code"), "the code field has focus");
        axe.check(browser, "code page");
        screenshot(browser, screen, "code.png");

        // A wrong code.
        browser.type("code", wrong(first.code()));
        browser.submitFormOf("code");
        assertEquals("/app/twostep/code", browser.path(), browser.text());
        assertFalse(browser.all(By.cssSelector("[role=alert]")).isEmpty(), "the error is announced: " + browser.text());
        axe.check(browser, "code page (wrong code)");

        // "Send a new code".
        browser.clickAndWait(browser.driver().findElement(By.name("resend")));
        assertEquals("/app/twostep/code", browser.path(), browser.text());
        CodeMessage resent = SERVER.sender().last().orElseThrow();
        assertEquals(sends + 2, SERVER.sender().sent().size(), "a new code is sent");
        assertEquals(Channel.SMS, resent.channel());
        axe.check(browser, "code page (new code sent)");

        // "Call me instead", under "Use another way".
        browser.clickAndWait(browser.byId("way-voice"));
        assertEquals("/app/twostep/code", browser.path(), browser.text());
        CodeMessage called = SERVER.sender().last().orElseThrow();
        assertEquals(sends + 3, SERVER.sender().sent().size(), "a call goes out");
        assertEquals(Channel.VOICE, called.channel());
        assertEquals("+14155552671", called.to());
        axe.check(browser, "code page (calling)");

        browser.type("code", called.code());
        browser.submitFormOf("code");
        assertEquals("/app/account", browser.path(), browser.text());
        assertTrue(browser.text().contains(user), browser.text());
        axe.check(browser, "account (after sign-in)");

        browser.clickAndWait(browser.driver().findElement(By.name("signout")));
        assertEquals("/app/login", browser.path(), browser.text());
        browser.open(SERVER.url("/account"));
        assertEquals("/app/login", browser.path());

        // Signed out, an unknown address is the error page too.
        browser.open(SERVER.url("/no-such-page"));
        assertEquals("/app/no-such-page", browser.path());
        axe.check(browser, "error (404, signed out)");
    }

    /**
     * The check itself: the pages' Content-Security-Policy allows no script of their own, yet axe, put in
     * by WebDriver, runs and sees a fault (an image without a text alternative, added the same way).
     */
    @Test
    void axeRunsUnderTheAppsContentSecurityPolicy() throws Exception {
        Chromium.assumeInstalled();
        Axe axe = Axe.load();
        java.net.http.HttpResponse<Void> head = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(SERVER.url("/login"))).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        String csp = head.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'none'"), csp);
        assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);

        try (Chromium browser = Chromium.start(Screen.DESKTOP, "en-US,en")) {
            browser.open(SERVER.url("/login"));
            assertEquals(java.util.List.of(), axe.violatedRules(browser), "the sign-in page as served");
            browser.driver().executeScript("const img = document.createElement('img');"
                    + "img.src = 'data:,'; img.width = 10; img.height = 10; document.querySelector('main').append(img);");
            assertEquals(java.util.List.of("image-alt"), axe.violatedRules(browser));
        }
    }

    /**
     * The code page for a browser that asks for German, for the README's screenshots (issue 13: "add one of
     * the code page in German"). It is whatever the app serves for Accept-Language: de, and axe checks it too.
     */
    @Test
    void theCodePageInGerman() throws Exception {
        Chromium.assumeInstalled();
        Axe axe = Axe.load();
        String user = unique("deutsch");
        new Pages(SERVER).createAccount(user, PASSWORD, "(415) 555-2671");
        try (Chromium browser = Chromium.start(Screen.PHONE, "de")) {
            assertEquals("de", browser.driver().executeScript("return navigator.languages.join(',')"));
            browser.open(SERVER.url("/login"));
            browser.type("username", user);
            browser.type("password", PASSWORD);
            browser.submitFormOf("username");
            assertEquals("/app/twostep/code", browser.path(), browser.text());
            assertTrue(browser.text().contains("Wir haben Ihnen einen Code per SMS an Ihre Nummer mit der Endung 71"),
                    browser.text());
            assertEquals("de", browser.driver().findElement(By.tagName("html")).getAttribute("lang"));
            axe.check(browser, "code page (de)");
            screenshot(browser, Screen.PHONE, "code-de.png");
        }
        axe.assertNone();
    }

    /**
     * A 64-character user name on a phone: the account page wraps it instead of growing wider than the screen
     * (it was 966 px wide on a 390 px screen), and axe finds nothing there either.
     */
    @Test
    void aLongUserNameWrapsOnAPhone() throws Exception {
        Chromium.assumeInstalled();
        Axe axe = Axe.load();
        String user = ("longname" + System.nanoTime()).repeat(8).substring(0, 64);
        new Pages(SERVER).createAccount(user, PASSWORD, "(415) 555-2671");
        try (Chromium browser = Chromium.start(Screen.PHONE, "en-US,en")) {
            browser.open(SERVER.url("/login"));
            browser.type("username", user);
            browser.type("password", PASSWORD);
            browser.submitFormOf("username");
            browser.type("code", SERVER.sender().lastCode());
            browser.submitFormOf("code");
            assertEquals("/app/account", browser.path(), browser.text());
            long width = ((Number) browser.driver().executeScript(
                    "return document.documentElement.scrollWidth")).longValue();
            long screen = ((Number) browser.driver().executeScript("return window.innerWidth")).longValue();
            assertTrue(width <= screen, "the page is " + width + " px wide on a " + screen + " px screen");
            axe.check(browser, "account (64-character user name)");
        }
        axe.assertNone();
    }
}
