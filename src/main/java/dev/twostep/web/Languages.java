package dev.twostep.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;

/**
 * Which language a request's pages are in, first of these that names a language there are texts for:
 * <ol>
 * <li>a GET's {@code lang} parameter: the language switch at the foot of every page is a plain link to the
 * same page with {@code ?lang=de}; the page renders in that language and remembers it in the cookie
 * {@value #COOKIE} (a year, SameSite=Lax, the app's path). Nothing redirects, so the switch cannot send
 * anyone elsewhere;</li>
 * <li>the cookie {@value #COOKIE};</li>
 * <li>the browser's {@code Accept-Language}, highest weight first (a range such as de-CH matches de; pt matches
 * pt-BR);</li>
 * <li>the setting {@value #DEFAULT_SETTING} (default {@code en}).</li>
 * </ol>
 * Values that name no language Twostep has are ignored. The choice is made once per request.
 */
final class Languages {
    static final String COOKIE = "twostep_lang";
    static final String PARAM = "lang";
    static final String DEFAULT_SETTING = "twostep.default-language";
    static final int COOKIE_MAX_AGE = 365 * 24 * 60 * 60;
    private static final String RESOLVED = Languages.class.getName() + ".locale";

    /** A language of the switch: its tag, its name in itself, and whether it is the page's. */
    record Choice(String tag, String name, String href, boolean current) {
    }

    private final Map<String, Locale> supported = new LinkedHashMap<>();
    private final Locale fallback;

    Languages(Iterable<String> tags, String defaultTag) {
        for (String tag : tags) {
            supported.put(tag.toLowerCase(Locale.ROOT), Locale.forLanguageTag(tag));
        }
        Locale chosen = defaultTag == null ? supported.get("en") : supported.get(defaultTag.toLowerCase(Locale.ROOT));
        if (chosen == null) {
            throw new ConfigException(DEFAULT_SETTING, "must be one of the languages there are texts for ("
                    + String.join(", ", supported.keySet()) + "), got '" + defaultTag + "'");
        }
        this.fallback = chosen;
    }

    static Languages from(Settings settings, Messages messages) {
        return new Languages(messages.languages(), settings.get(DEFAULT_SETTING));
    }

    List<String> tags() {
        return supported.values().stream().map(Locale::toLanguageTag).toList();
    }

    Locale fallback() {
        return fallback;
    }

    /** The request's language (see the class comment), chosen once and kept on the request. */
    Locale resolve(HttpServletRequest request) {
        if (request.getAttribute(RESOLVED) instanceof Locale locale) {
            return locale;
        }
        Locale locale = switched(request);
        if (locale == null) {
            locale = cookie(request);
        }
        if (locale == null) {
            locale = accepted(request.getHeader("Accept-Language"));
        }
        if (locale == null) {
            locale = fallback;
        }
        request.setAttribute(RESOLVED, locale);
        return locale;
    }

    /** Remembers the language a {@code ?lang=} link chose, when the request has one. */
    void remember(HttpServletRequest request, HttpServletResponse response) {
        Locale chosen = switched(request);
        if (chosen == null || response.isCommitted()) {
            return;
        }
        Cookie cookie = new Cookie(COOKIE, chosen.toLanguageTag());
        cookie.setPath(request.getContextPath().isEmpty() ? "/" : request.getContextPath());
        cookie.setMaxAge(COOKIE_MAX_AGE);
        cookie.setSecure(request.isSecure());
        cookie.setAttribute("SameSite", "Lax");
        response.addCookie(cookie);
    }

    /**
     * The switch's links: each language, named in itself, linking to this page with its {@code lang}; the
     * page's other query parameters are kept. Relative links ("?lang=fr"), so they stay on the page the
     * browser shows whatever path the server forwarded to.
     */
    List<Choice> choices(HttpServletRequest request, Locale current) {
        String others = otherParameters(request);
        List<Choice> choices = new ArrayList<>();
        for (Locale locale : supported.values()) {
            String tag = locale.toLanguageTag();
            choices.add(new Choice(tag, nameOf(locale), "?" + others + PARAM + "=" + tag, locale.equals(current)));
        }
        return choices;
    }

    /** A language's name in that language, capitalised as at the start of a sentence: Deutsch, Français. */
    static String nameOf(Locale locale) {
        String name = locale.getDisplayName(locale);
        return name.isEmpty() ? locale.toLanguageTag()
                : name.substring(0, 1).toUpperCase(locale) + name.substring(1);
    }

    private static String otherParameters(HttpServletRequest request) {
        String query = request.getDispatcherType() == jakarta.servlet.DispatcherType.REQUEST ? request.getQueryString()
                : null;
        if (query == null || query.isEmpty()) {
            return "";
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : query.split("&")) {
            if (!pair.isEmpty() && !pair.equals(PARAM) && !pair.startsWith(PARAM + "=")) {
                kept.append(pair).append('&');
            }
        }
        return kept.toString();
    }

    private Locale switched(HttpServletRequest request) {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            return null;
        }
        return exact(request.getParameter(PARAM));
    }

    private Locale cookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (COOKIE.equals(cookie.getName())) {
                Locale locale = exact(cookie.getValue());
                if (locale != null) {
                    return locale;
                }
            }
        }
        return null;
    }

    private Locale exact(String tag) {
        return tag == null || tag.length() > 35 ? null : supported.get(tag.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * The best language for an Accept-Language header, or null: for each range by falling weight (weight 0
     * means "not this one"), the same tag, else the range's language alone (de-CH gives de), else a regional
     * form of it (pt gives pt-BR).
     */
    Locale accepted(String header) {
        if (header == null || header.isBlank() || header.length() > 1000) {
            return null;
        }
        List<Locale.LanguageRange> ranges;
        try {
            ranges = Locale.LanguageRange.parse(header);
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (Locale.LanguageRange range : ranges) {
            if (range.getWeight() <= 0 || range.getRange().startsWith("*")) {
                continue;
            }
            Locale found = exact(range.getRange());
            if (found == null) {
                String language = Locale.forLanguageTag(range.getRange()).getLanguage();
                found = supported.get(language);
                if (found == null) {
                    found = supported.values().stream().filter(l -> l.getLanguage().equals(language)).findFirst()
                            .orElse(null);
                }
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
