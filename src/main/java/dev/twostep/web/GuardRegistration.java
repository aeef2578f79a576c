package dev.twostep.web;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.TwoStepFilter;

/**
 * Puts the guard into a host app from settings, so that the host's web.xml needs only the listener and
 * {@code twostep.protect}: the guard's filter on those patterns, the CSRF filter and the code, enrollment,
 * authenticator-app, recovery-code, security-page and static servlets under the pages path, and Twilio's callbacks when codes go through
 * Twilio. Runs from {@link TwostepListener}, which a host declares in web.xml, so it runs whether or not the
 * container scans jars (metadata-complete, absolute-ordering, a Jetty without annotations): a guard that is
 * meant to be on cannot stay off. Without {@code twostep.protect} the app must declare {@link TwoStepFilter}
 * itself, or start-up stops.
 */
final class GuardRegistration {
    static final String PROTECT = "twostep.protect";
    static final String EXCLUDE = "twostep.protect.exclude";
    static final String ORDER = "twostep.filter-order";
    static final String GUARD = "dev.twostep.guard";
    /** Set once the guard was registered by {@link TwostepListener#install}. */
    static final String INSTALLED = GuardRegistration.class.getName() + ".installed";
    /** Twilio's delivery reports and press-a-key calls come here (TwilioSenders), wherever the pages are. */
    static final String TWILIO_CALLBACKS = "/twostep/twilio/*";
    private static final Logger LOG = LoggerFactory.getLogger(GuardRegistration.class);

    /** Where the guard's filter goes among the host's filters. */
    enum Order {
        /** Before the host's filters (container logins, home-made session logins). */
        FIRST,
        /** After the host's filters, for a host whose login is a filter itself (Spring Security). */
        LAST
    }

    private GuardRegistration() {
    }

    /** Registers the guard when {@code twostep.protect} asks for it; checks that one is registered either way. */
    static void apply(ServletContext context, Settings settings, TwostepConfig config) {
        List<String> patterns = patterns(settings.get(PROTECT));
        Map<String, ? extends FilterRegistration> filters = context.getFilterRegistrations();
        List<String> declared = filters.values().stream()
                .filter(f -> TwoStepFilter.class.getName().equals(f.getClassName()))
                .map(FilterRegistration::getName).toList();
        if (patterns.isEmpty()) {
            if (settings.get(EXCLUDE) != null || settings.get(ORDER) != null) {
                throw new ConfigException(PROTECT, "is not set, but " + (settings.get(EXCLUDE) != null ? EXCLUDE : ORDER)
                        + " is: set " + PROTECT + " to the pages the second step protects, such as /app/*");
            }
            boolean mapped = declared.stream().map(filters::get)
                    .anyMatch(f -> !f.getUrlPatternMappings().isEmpty() || !f.getServletNameMappings().isEmpty());
            if (!mapped) {
                throw new ConfigException(PROTECT, "no page of this app is protected by the second step: set "
                        + PROTECT + " to the pages to protect (such as /app/*), or map "
                        + TwoStepFilter.class.getName() + " in web.xml (docs/guard.md)");
            }
            return;
        }
        if (!declared.isEmpty()) {
            throw new ConfigException(PROTECT, "is set, and web.xml also declares " + TwoStepFilter.class.getName()
                    + " (" + String.join(", ", declared) + "): use one or the other");
        }
        Order order = order(settings.get(ORDER));
        if (order == Order.FIRST && config.identity() == TwostepConfig.Identity.CONTAINER) {
            filters.values().stream().filter(GuardRegistration::isSpringSecurity).findFirst().ifPresent(f -> {
                throw new ConfigException(ORDER, "Spring Security's filter '" + f.getName() + "' must run before the"
                        + " guard, which reads the user it signed in: set " + ORDER + "=last");
            });
        }
        boolean afterHost = order == Order.LAST;
        String pages = config.pagesPath();

        FilterRegistration.Dynamic guard = context.addFilter(GUARD, TwoStepFilter.class);
        if (guard == null) {
            throw new ConfigException(PROTECT, "a filter named dev.twostep.guard already exists in this app");
        }
        String exclude = settings.get(EXCLUDE);
        if (exclude != null) {
            guard.setInitParameter("exclude", exclude);
        }
        guard.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), afterHost, patterns.toArray(String[]::new));

        FilterRegistration.Dynamic csrf = context.addFilter("dev.twostep.csrf", CsrfFilter.class);
        if (csrf == null) {
            throw new ConfigException(PROTECT, "a filter named dev.twostep.csrf already exists in this app");
        }
        List<String> csrfPatterns = new ArrayList<>(List.of(pages + "/*"));
        boolean twilio = config.delivery() == TwostepConfig.Delivery.TWILIO;
        if (twilio && !TWILIO_CALLBACKS.startsWith(pages + "/")) {
            csrfPatterns.add(TWILIO_CALLBACKS);
        }
        csrf.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), afterHost, csrfPatterns.toArray(String[]::new));

        servlet(context, "dev.twostep.code", CodeServlet.class, pages + "/code");
        servlet(context, "dev.twostep.enroll", EnrollServlet.class, pages + "/enroll");
        servlet(context, "dev.twostep.app", AuthenticatorServlet.class, pages + "/app");
        servlet(context, "dev.twostep.recovery", RecoveryCodesServlet.class, pages + "/recovery");
        servlet(context, "dev.twostep.setup", SetupServlet.class, pages + "/setup");
        servlet(context, "dev.twostep.security", SecurityServlet.class, pages + "/security");
        servlet(context, "dev.twostep.static", StaticServlet.class, pages + "/static/*");
        servlet(context, "dev.twostep.admin", ConsoleServlet.class, pages + "/admin/*");
        if (twilio) {
            servlet(context, "dev.twostep.twilio", TwilioCallbackServlet.class, TWILIO_CALLBACKS);
        }
        context.setAttribute(INSTALLED, Boolean.TRUE);
        LOG.info("Twostep guard registered from {}: {} protected, {} the app's own filters, pages under {}", PROTECT,
                patterns, afterHost ? "after" : "before", pages);
    }

    private static void servlet(ServletContext context, String name, Class<? extends jakarta.servlet.Servlet> type,
                                String pattern) {
        ServletRegistration.Dynamic servlet = context.addServlet(name, type);
        if (servlet == null) {
            throw new ConfigException(PROTECT, "a servlet named " + name + " already exists in this app");
        }
        Set<String> taken = servlet.addMapping(pattern);
        if (!taken.isEmpty()) {
            throw new ConfigException(PROTECT, "Twostep's page " + pattern + " is already mapped to another servlet"
                    + " of this app; move Twostep's pages with twostep.pages-path");
        }
    }

    /** The patterns of {@code twostep.protect}, each a servlet URL pattern. */
    static List<String> patterns(String value) {
        List<String> patterns = new ArrayList<>();
        if (value == null) {
            return patterns;
        }
        for (String raw : value.split(",")) {
            String p = raw.trim();
            if (p.isEmpty()) {
                continue;
            }
            boolean valid = p.equals("/") || (p.startsWith("*.") && p.length() > 2 && p.indexOf('/') < 0)
                    || (p.startsWith("/") && (p.indexOf('*') < 0 || (p.endsWith("/*") && p.indexOf('*') == p.length() - 1)));
            if (!valid) {
                throw new ConfigException(PROTECT, "'" + p + "' is not a URL pattern: use /exact, /prefix/* or *.ext,"
                        + " separated by commas");
            }
            patterns.add(p);
        }
        return patterns;
    }

    static Order order(String value) {
        if (value == null) {
            return Order.FIRST;
        }
        try {
            return Order.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ORDER, "must be first or last, got '" + value.trim() + "'");
        }
    }

    /** Spring Security's filter chain, as web.xml or Spring's own initializer registers it. */
    private static boolean isSpringSecurity(FilterRegistration filter) {
        String type = filter.getClassName();
        return type != null && (type.startsWith("org.springframework.security.")
                || ("org.springframework.web.filter.DelegatingFilterProxy".equals(type)
                        && ("springSecurityFilterChain".equals(filter.getName())
                                || "springSecurityFilterChain".equals(filter.getInitParameter("targetBeanName")))));
    }
}
