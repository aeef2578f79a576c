package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.twostep.config.ConfigException;

/** Which language a request gets: the switch, the cookie, Accept-Language, the default, in that order. */
class LanguagesTest {
    private final Languages languages = new Languages(List.of("de", "en", "es", "fr", "pt-BR"), null);

    /** A GET with these headers, cookie and query, as far as Languages reads it. */
    private static HttpServletRequest request(String method, String query, String acceptLanguage, String cookie) {
        Map<String, Object> attributes = new HashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(LanguagesTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getQueryString" -> query;
                    case "getParameter" -> query == null ? null : parameter(query, (String) args[0]);
                    case "getHeader" -> "Accept-Language".equalsIgnoreCase((String) args[0]) ? acceptLanguage : null;
                    case "getCookies" -> cookie == null ? null : new Cookie[] {new Cookie(Languages.COOKIE, cookie)};
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getContextPath" -> "/app";
                    case "isSecure" -> true;
                    case "getDispatcherType" -> DispatcherType.REQUEST;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static String parameter(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static HttpServletResponse response(List<Cookie> cookies) {
        return (HttpServletResponse) Proxy.newProxyInstance(LanguagesTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "addCookie" -> cookies.add((Cookie) args[0]);
                    case "isCommitted" -> false;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "de | de",
            "de-CH,de;q=0.9,en;q=0.8 | de",
            "en-US,en;q=0.9,fr;q=0.8 | en",
            "ja,fr;q=0.3,de;q=0.2 | fr",
            "en;q=0.1,es;q=0.9 | es",
            "fr;q=0,de | de",
            "pt | pt-BR",
            "pt-PT,es;q=0.5 | pt-BR",
            "ja | none",
            "* | none",
            ";;q=x,,, | none",
    })
    void acceptLanguageGivesTheBestLanguageThereAreTextsFor(String header, String expected) {
        Locale found = languages.accepted(header);
        assertEquals(expected, found == null ? null : found.toLanguageTag());
    }

    @Test
    void theSwitchWinsOverTheCookieWhichWinsOverTheBrowser() {
        assertEquals(Locale.FRENCH, languages.resolve(request("GET", "way=app&lang=fr", "de", "es")));
        assertEquals("es", languages.resolve(request("GET", null, "de", "es")).toLanguageTag());
        assertEquals(Locale.GERMAN, languages.resolve(request("GET", null, "de", null)));
        assertEquals(Locale.ENGLISH, languages.resolve(request("GET", null, null, null)));
    }

    @Test
    void valuesOfNoKnownLanguageAreIgnored() {
        assertEquals(Locale.GERMAN, languages.resolve(request("GET", "lang=xx", "de", "<script>")));
        assertEquals(Locale.GERMAN, languages.resolve(request("GET", null, "de", "en;q=1")));
        assertEquals(Locale.ENGLISH, languages.resolve(request("GET", "lang=", "ja", "")));
    }

    @Test
    void onlyAGetSwitches() {
        assertEquals(Locale.GERMAN, languages.resolve(request("POST", "lang=fr", "de", null)));
    }

    @Test
    void theSwitchIsRememberedForAYearOnTheAppsPath() {
        List<Cookie> set = new ArrayList<>();
        languages.remember(request("GET", "lang=pt-br", null, null), response(set));
        assertEquals(1, set.size());
        Cookie cookie = set.get(0);
        assertEquals("pt-BR", cookie.getValue());
        assertEquals("/app", cookie.getPath());
        assertEquals(365 * 24 * 3600, cookie.getMaxAge());
        assertEquals("Lax", cookie.getAttribute("SameSite"));
        assertTrue(cookie.getSecure());

        List<Cookie> none = new ArrayList<>();
        languages.remember(request("GET", "lang=xx", null, null), response(none));
        languages.remember(request("GET", null, null, "de"), response(none));
        assertTrue(none.isEmpty());
    }

    @Test
    void theSwitchLinksKeepThePagesOtherParameters() {
        List<Languages.Choice> choices = languages.choices(request("GET", "way=app&lang=de&x=1", null, null),
                Locale.GERMAN);
        assertEquals(List.of("Deutsch", "English", "Español", "Français", "Português (Brasil)"),
                choices.stream().map(Languages.Choice::name).toList());
        assertEquals("?way=app&x=1&lang=fr", choices.get(3).href());
        assertTrue(choices.get(0).current());
    }

    @Test
    void theDefaultLanguageIsASettingAndMustHaveTexts() {
        Languages german = new Languages(List.of("de", "en"), "de");
        assertEquals(Locale.GERMAN, german.resolve(request("GET", null, "ja", null)));
        ConfigException e = assertThrows(ConfigException.class, () -> new Languages(List.of("de", "en"), "it"));
        assertTrue(e.getMessage().contains(Languages.DEFAULT_SETTING), e.getMessage());
        assertNull(languages.accepted(null));
    }
}
