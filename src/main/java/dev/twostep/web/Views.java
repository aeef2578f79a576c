package dev.twostep.web;

import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.WebContext;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.web.servlet.JakartaServletWebApplication;

import dev.twostep.guard.Attributes;
import dev.twostep.guard.CsrfTokens;

/**
 * Renders Twostep's pages. The engine, its templates and its messages are Twostep's own and come from
 * its jar, so the pages render in a host app that does not use Thymeleaf itself. Each page is in the
 * request's language ({@link Languages}), with texts from {@link Messages}.
 */
public final class Views {
    private static final Messages BUILT_IN = Messages.builtIn();
    private final TemplateEngine engine = new TemplateEngine();
    private final Messages messages;
    private final Languages languages;
    private final JakartaServletWebApplication application;
    private final String appName;
    private final String pagesPath;
    private final String stylesheet;
    private final String hsts;

    /**
     * @param pagesPath where Twostep's pages live (default /twostep)
     * @param stylesheet an extra stylesheet of the host app, or null
     * @param hsts the Strict-Transport-Security value for pages served over HTTPS; blank for none
     */
    public Views(ServletContext context, String appName, String pagesPath, String stylesheet, String hsts) {
        this(context, appName, pagesPath, stylesheet, hsts, BUILT_IN, new Languages(BUILT_IN.languages(), null));
    }

    Views(ServletContext context, String appName, String pagesPath, String stylesheet, String hsts,
          Messages messages, Languages languages) {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(Views.class.getClassLoader());
        resolver.setPrefix("dev/twostep/web/templates/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        resolver.setCacheable(true);
        engine.setTemplateResolver(resolver);
        engine.setMessageResolver(new BundleMessageResolver(messages));
        this.messages = messages;
        this.languages = languages;
        this.application = JakartaServletWebApplication.buildApplication(context);
        this.appName = appName;
        this.pagesPath = pagesPath;
        this.stylesheet = stylesheet;
        this.hsts = hsts;
    }

    /** Renders a page with the given status. Every page gets the CSRF token and the security headers. */
    public void render(HttpServletRequest request, HttpServletResponse response, int status, String template,
                       Map<String, ?> variables) throws IOException {
        Map<String, Object> vars = new HashMap<>(variables);
        // Pages with forms need the token; an error page passes its own (empty) so no session is made.
        vars.putIfAbsent("csrf", CsrfTokens.token(request));
        vars.put("appName", appName);
        vars.put("pages", pagesPath);
        vars.put("hostStylesheet", stylesheet);
        vars.put("hostCsrf", HostCsrf.of(request));
        if ("error".equals(template) && !vars.containsKey("backHref")) {
            back(request, vars);
        }
        // Titles say when the page shows an error ("Error: Sign in – App"), as screen readers read them first.
        boolean fieldErrors = vars.get("errors") instanceof Map<?, ?> m && !m.isEmpty();
        vars.put("pageError", fieldErrors || vars.get("error") != null || vars.get("errorText") != null
                || "error".equals(template) ? 1 : 0);
        Locale locale = languages.resolve(request);
        languages.remember(request, response);
        vars.put("lang", locale.toLanguageTag());
        vars.put("languages", languages.choices(request, locale));
        WebContext context = new WebContext(application.buildExchange(request, response), locale, vars);
        response.setStatus(status);
        response.setContentType("text/html;charset=UTF-8");
        response.setHeader("Content-Language", locale.toLanguageTag());
        securityHeaders(response);
        if (request.isSecure() && hsts != null && !hsts.isBlank()) {
            response.setHeader("Strict-Transport-Security", hsts);
        }
        engine.process(template, context, response.getWriter());
    }

    /**
     * The way back from an error page, for who is asking: a signed-in user to the start page, someone at the
     * code step to the code page, anyone else to the sign-in page (none in a host app, whose own sign-in
     * Twostep does not know).
     */
    private static void back(HttpServletRequest request, Map<String, Object> vars) {
        dev.twostep.config.TwostepConfig config = dev.twostep.guard.Attributes.find(request.getServletContext(),
                dev.twostep.config.TwostepConfig.class);
        if (config == null) {
            return;
        }
        java.util.Optional<dev.twostep.guard.GuardState> state = dev.twostep.guard.GuardSession.state(request);
        if (state.isPresent() && state.get().verified()) {
            vars.put("backHref", config.successUrl());
            vars.put("backKey", "error.back.account");
        } else if (state.isPresent()) {
            vars.put("backHref", config.pagesPath() + "/code");
            vars.put("backKey", "error.back.code");
        } else if (config.loginUrl() != null) {
            vars.put("backHref", config.loginUrl());
            vars.put("backKey", "error.back");
        }
    }

    /** Headers for every page of the sign-in flow. */
    static void securityHeaders(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self' https:; img-src 'self'; form-action 'self';"
                        + " frame-ancestors 'none';"
                        + " base-uri 'none'");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", "DENY");
    }

    /**
     * A message in the request's language, for text built outside a template (a notice sent by SMS, an
     * error shown as text).
     */
    public static String message(HttpServletRequest request, String key, Object... args) {
        Views views = Attributes.find(request.getServletContext(), Views.class);
        if (views == null) {
            return BUILT_IN.format(Locale.ROOT, key, args);
        }
        return views.messages.format(views.languages.resolve(request), key, args);
    }

    /**
     * A message in the site's default language ({@code twostep.default-language}), for text sent to a user
     * from someone else's request (an operator's), whose language says nothing about the user's.
     */
    public static String defaultLanguageMessage(ServletContext context, String key, Object... args) {
        Views views = Attributes.find(context, Views.class);
        if (views == null) {
            return BUILT_IN.format(Locale.ROOT, key, args);
        }
        return views.messages.format(views.languages.fallback(), key, args);
    }

    /**
     * The request's language, as the pages use it: also the language of the codes sent while on them (the
     * SMS and voice texts, when Twostep has that language; see DeliveryTexts).
     */
    public static Locale locale(HttpServletRequest request) {
        Views views = Attributes.find(request.getServletContext(), Views.class);
        return views == null ? Locale.ENGLISH : views.languages.resolve(request);
    }
}
