package dev.twostep.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;

import dev.twostep.browser.Chromium.Screen;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 15, "the same look, languages and accessibility rules as the rest": the operators' console in
 * Debian's Chromium at a phone's and a desktop's width, axe-core on each of its pages (the users list, a
 * user, the audit search, a refused search, health), and no page wider than the screen.
 */
class ConsoleBrowserIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.admin.users", "olga"));

    static Stream<Screen> screens() {
        return Stream.of(Screen.PHONE, Screen.DESKTOP);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("screens")
    void everyConsolePageIsAccessibleAndFitsTheScreen(Screen screen) throws Exception {
        Chromium.assumeInstalled();
        Axe axe = Axe.load();
        Pages pages = new Pages(SERVER);
        if (SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = 'olga'") == 0) {
            pages.createAccount("olga", PASSWORD, "(415) 555-0123");
        }
        String user = ("someone-with-a-long-name-" + screen.name() + System.nanoTime()).substring(0, 40);
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        try (Chromium browser = Chromium.start(screen, "en-US,en")) {
            browser.open(SERVER.url("/login"));
            browser.type("username", "olga");
            browser.type("password", PASSWORD);
            browser.submitFormOf("username");
            browser.type("code", SERVER.sender().lastCode());
            browser.submitFormOf("code");
            assertEquals("/app/account", browser.path(), browser.text());

            browser.open(SERVER.url("/twostep/admin"));
            check(browser, axe, "console: users");
            browser.type("q", user.substring(0, 12));
            browser.submitFormOf("q");
            check(browser, axe, "console: users found");
            browser.clickAndWait(browser.driver().findElement(By.linkText(user)));
            assertTrue(browser.text().contains("User " + user), browser.text());
            check(browser, axe, "console: a user");
            browser.clickAndWait(browser.byId("nav-audit"));
            check(browser, axe, "console: audit trail");
            browser.open(SERVER.url("/twostep/admin/audit?from=yesterday"));
            assertTrue(browser.text().contains("Enter a time"), browser.text());
            check(browser, axe, "console: audit search refused");
            browser.clickAndWait(browser.byId("nav-health"));
            check(browser, axe, "console: health");
        }
        axe.assertNone();
    }

    private static void check(Chromium browser, Axe axe, String page) {
        axe.check(browser, page);
        long width = ((Number) browser.driver().executeScript("return document.documentElement.scrollWidth"))
                .longValue();
        long screen = ((Number) browser.driver().executeScript("return window.innerWidth")).longValue();
        assertTrue(width <= screen, page + " is " + width + " px wide on a " + screen + " px screen");
    }
}
