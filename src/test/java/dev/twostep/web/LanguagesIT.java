package dev.twostep.web;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlAnchor;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.CodeMessage;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * The pages in the browser's language, or the one picked with the switch at their foot, remembered in a
 * cookie; English when neither names a language Twostep has. A host's bundle adds and overrides texts.
 */
class LanguagesIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer();
    @RegisterExtension
    static final TwostepServer HOST_TEXTS = new TwostepServer(Map.of("twostep.messages", "example.texts.twostep"));
    private final Pages pages = new Pages(SERVER);

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    private static WebClient client(TwostepServer server, String acceptLanguage) {
        WebClient client = server.newClient();
        if (acceptLanguage != null) {
            client.addRequestHeader("Accept-Language", acceptLanguage);
        }
        return client;
    }

    private static String lang(HtmlPage page) {
        return page.getDocumentElement().getAttribute("lang");
    }

    private static HtmlPage switchTo(HtmlPage page, String name) throws Exception {
        HtmlAnchor link = page.getFirstByXPath("//nav[@class='languages']//a[normalize-space(.)='" + name + "']");
        assertNotNull(link, "no switch to " + name + " on " + page.getUrl() + ":\n" + text(page));
        return link.click();
    }

    @Test
    void aGermanBrowserGetsSignInRegistrationAndCodePagesInGerman() throws Exception {
        WebClient client = client(SERVER, "de-DE,de;q=0.9,en;q=0.5");
        HtmlPage login = pages.open(client, "/login");
        assertEquals("de", lang(login));
        assertEquals("Anmelden – Twostep", login.getTitleText());
        assertEquals("de", login.getWebResponse().getResponseHeaderValue("Content-Language"));
        assertTrue(text(login).contains("Benutzername"), text(login));

        HtmlPage register = pages.open(client, "/register");
        assertEquals("de", lang(register));
        assertTrue(text(register).contains("Konto erstellen"), text(register));
        assertTrue(text(register).contains("Mobilnummer"), text(register));

        HtmlPage code = pages.register(client, unique("de"), "a long enough password", "(415) 555-2671", "sms");
        assertEquals("de", lang(code));
        assertTrue(text(code).contains("Telefonnummer bestätigen"), text(code));
        assertTrue(text(code).contains("mit der Endung 71"), text(code));
        CodeMessage sent = SERVER.sender().last().orElseThrow();
        assertEquals(Locale.GERMAN, sent.locale(), "the code goes in the page's language");

        HtmlPage wrong = Pages.enterCode(code, "000000".equals(sent.code()) ? "111111" : "000000");
        assertTrue(text(wrong).contains("Dieser Code ist nicht richtig. Sie haben noch 4 Versuche für diesen Code."),
                text(wrong));

        HtmlPage missing = pages.open(client, "/no-such-page");
        assertEquals(404, missing.getWebResponse().getStatusCode());
        assertEquals("de", lang(missing));
        assertTrue(text(missing).contains("Unter dieser Adresse gibt es keine Seite."), text(missing));
    }

    @Test
    void theSwitchToFrenchSticksAcrossPagesThroughACookie() throws Exception {
        WebClient client = client(SERVER, "de");
        HtmlPage login = pages.open(client, "/login");
        assertEquals("de", lang(login));

        HtmlPage french = switchTo(login, "Français");
        assertEquals("/app/login", french.getUrl().getPath());
        assertEquals("lang=fr", french.getUrl().getQuery());
        assertEquals("fr", lang(french));
        assertEquals("Connexion – Twostep", french.getTitleText());
        Cookie cookie = client.getCookieManager().getCookie(Languages.COOKIE);
        assertNotNull(cookie);
        assertEquals("fr", cookie.getValue());
        assertEquals("/app", cookie.getPath());
        assertTrue(cookie.getExpires() != null
                && cookie.getExpires().getTime() > System.currentTimeMillis() + 360L * 24 * 3600 * 1000);
        String setCookie = french.getWebResponse().getResponseHeaderValue("Set-Cookie");
        assertTrue(setCookie.contains("SameSite=Lax"), setCookie);

        // The browser still asks for German: the choice wins.
        HtmlPage register = pages.open(client, "/register");
        assertEquals("fr", lang(register));
        assertTrue(text(register).contains("Créer un compte"), text(register));
        HtmlPage code = pages.register(client, unique("fr"), "a long enough password", "(415) 555-2671", "sms");
        assertEquals("fr", lang(code));
        assertTrue(text(code).contains("Confirmez votre téléphone"), text(code));
        assertEquals(Locale.FRENCH, SERVER.sender().last().orElseThrow().locale());
        // The current language is named, not linked.
        assertNull(code.getFirstByXPath("//nav[@class='languages']//a[normalize-space(.)='Français']"));

        HtmlPage english = switchTo(code, "English");
        assertEquals("en", lang(english));
        assertTrue(text(english).contains("Confirm your phone"), text(english));
        assertEquals("en", client.getCookieManager().getCookie(Languages.COOKIE).getValue());
    }

    @Test
    void anUnsupportedLanguageFallsBackToEnglish() throws Exception {
        HtmlPage login = pages.open(client(SERVER, "ja-JP,ja;q=0.9"), "/login");
        assertEquals("en", lang(login));
        assertEquals("Sign in – Twostep", login.getTitleText());
        assertTrue(text(login).contains("User name"), text(login));
    }

    @Test
    void aBadCookieOrSwitchValueIsIgnored() throws Exception {
        WebClient client = client(SERVER, "es");
        client.getCookieManager().addCookie(new Cookie(new URL(SERVER.baseUrl()).getHost(), Languages.COOKIE, "xx"));
        HtmlPage login = pages.open(client, "/login");
        assertEquals("es", lang(login));
        assertEquals("Iniciar sesión – Twostep", login.getTitleText());

        HtmlPage still = pages.open(client, "/login?lang=%2F%2Fevil.example");
        assertEquals("es", lang(still));
        assertEquals("xx", client.getCookieManager().getCookie(Languages.COOKIE).getValue(),
                "no cookie is set for a language Twostep does not have");
    }

    @Test
    void theSwitchKeepsThePagesParametersAndNeverLeavesIt() throws Exception {
        HtmlPage login = pages.open(client(SERVER, null), "/login?next=%2Faccount");
        List<HtmlAnchor> links = login.getByXPath("//nav[@class='languages']//a");
        assertEquals(List.of("Deutsch", "Español", "Français"), links.stream().map(HtmlAnchor::getTextContent).toList());
        for (HtmlAnchor link : links) {
            assertTrue(link.getHrefAttribute().startsWith("?next=%2Faccount&lang="), link.getHrefAttribute());
            assertEquals(link.getAttribute("hreflang"), link.getAttribute("lang"));
        }
    }

    @Test
    void aHostBundleOverridesTextsAndAddsALanguage() throws Exception {
        Pages host = new Pages(HOST_TEXTS);
        HtmlPage english = host.open(client(HOST_TEXTS, "en"), "/login");
        assertTrue(text(english).contains("Sign in to Example"), text(english));

        // The host's base file does not override Twostep's German.
        HtmlPage german = host.open(client(HOST_TEXTS, "de"), "/login");
        assertTrue(text(german).contains("Anmelden"), text(german));

        HtmlPage italian = host.open(client(HOST_TEXTS, "it-IT,it;q=0.9"), "/login");
        assertEquals("it", lang(italian));
        assertEquals("Accedi – Twostep", italian.getTitleText());
        assertTrue(text(italian).contains("Accedi a Example"), text(italian));
        assertTrue(text(italian).contains("User name"), "what the host did not translate is in English");
        assertNotNull(italian.getFirstByXPath("//nav[@class='languages'][@aria-label='Lingua']//span[.='Italiano']"));
    }
}
