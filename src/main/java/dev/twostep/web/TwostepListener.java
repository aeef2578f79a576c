package dev.twostep.web;

import java.time.Clock;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.SessionCookieConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.Retention;
import dev.twostep.code.CodeService;
import dev.twostep.code.KeyCheck;
import dev.twostep.code.SendLimits;
import dev.twostep.code.ServerSecret;
import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Database;
import dev.twostep.db.Jdbc;
import dev.twostep.db.NodeSettings;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.ConsoleSender;
import dev.twostep.delivery.TwilioSenders;
import dev.twostep.delivery.VoiceToken;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.AuthenticatorApps;
import dev.twostep.factor.DeviceTokens;
import dev.twostep.factor.Factors;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.factor.RecoveryCodeDao;
import dev.twostep.factor.RecoveryCodes;
import dev.twostep.factor.SecretBox;
import dev.twostep.factor.SignOutDao;
import dev.twostep.factor.TotpFactorDao;
import dev.twostep.enroll.PhoneNumbers;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.ClientAddress;
import dev.twostep.guard.SignOutCheck;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;

/**
 * Builds Twostep at start-up: reads the settings, opens the database and migrates it, picks the code
 * sender, and shares each piece through the ServletContext under its class name; applies the retention
 * (now, then hourly on a daemon thread). Stops that thread and closes the pool on shutdown. A
 * {@link Settings}, {@link CodeSender} or {@link Clock} already in the context (put there by an embedding
 * app or a test, e.g. settings backed by a secrets vault) is used instead of the built-in one.
 */
public class TwostepListener implements ServletContextListener {
    private static final Logger LOG = LoggerFactory.getLogger(TwostepListener.class);
    private Database database;
    private RetentionJob retentionJob;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            start(event.getServletContext());
        } catch (RuntimeException | Error e) {
            // A container need not call contextDestroyed after a failed contextInitialized: release the pool
            // and its claim on the database file here, so that a fixed redeployment can open the file again.
            contextDestroyed(event);
            throw e;
        }
    }

    private void start(ServletContext context) {
        Settings settings = settings(context);
        TwostepConfig config = TwostepConfig.from(settings);
        Retention retention = Retention.from(settings);
        LOG.info("Twostep starting: {}", config.describe());
        if (LoggerFactory.getILoggerFactory() instanceof org.slf4j.helpers.NOPLoggerFactory) {
            noLogging(context, config);
        }

        if (config.sessionHostPrefix()) {
            hostPrefix(context);
        }
        Clock clock = Attributes.find(context, Clock.class);
        if (clock == null) {
            clock = Clock.systemUTC();
            Attributes.put(context, Clock.class, clock);
        }
        byte[] secret = ServerSecret.load(config.secret(), config.dataDir());
        CodeSender sender = Attributes.find(context, CodeSender.class);
        if (sender == null) {
            sender = sender(config, context.getContextPath(), secret);
            Attributes.put(context, CodeSender.class, sender);
        } else {
            LOG.info("Codes are delivered by {}, put in place by the embedding app", sender.getClass().getName());
        }
        Attributes.put(context, VoiceToken.class, new VoiceToken(secret));
        Attributes.put(context, LockKeys.class, new LockKeys(secret));

        database = Database.open(config, context.getContextPath());
        Jdbc jdbc = new Jdbc(database.dataSource());
        KeyCheck.verify(jdbc, secret, config.secret() != null ? "TWOSTEP_SECRET"
                : "generated in " + config.dataDir().resolve("code-secret").toAbsolutePath());
        NodeSettings.verify(jdbc, NodeSettings.of(config), settings.getBoolean(NodeSettings.ACCEPT, false)
                ? NodeSettings.OnDifference.RECORD_ON_PURPOSE : database.ownSqliteFile()
                ? NodeSettings.OnDifference.RECORD_ALONE : NodeSettings.OnDifference.REFUSE, clock.millis());
        PhoneDao phones = new PhoneDao(jdbc);
        RateLimiter limiter = new RateLimiter(jdbc);
        CodeService codes = new CodeService(jdbc, secret, sender,
                new CodeService.Policy(config.codeLength(), config.codeTtl(), config.codeMaxAttempts()), clock,
                new SendLimits(limiter, config.limits()),
                new Lockouts(jdbc, "code", config.limits().codeFailuresBeforeLock(), config.limits().lockDelays(),
                        config.limits().codeFailuresCap()));
        Attributes.put(context, RateLimiter.class, limiter);
        AuditLog audit = new AuditLog(jdbc, clock);
        Attributes.put(context, AuditLog.class, audit);
        Attributes.put(context, ClientAddress.class, new ClientAddress(config.trustedProxies()));

        Attributes.put(context, TwostepConfig.class, config);
        Attributes.put(context, Jdbc.class, jdbc);
        Attributes.put(context, PhoneDao.class, phones);
        Attributes.put(context, PhoneNumbers.class, new PhoneNumbers(config.phoneRegion(), config.allowedRegions()));
        Attributes.put(context, CodeService.class, codes);
        TotpFactorDao apps = new TotpFactorDao(jdbc);
        Attributes.put(context, AuthenticatorApps.class, new AuthenticatorApps(apps,
                new SecretBox(secret), clock, config.appName()));
        Attributes.put(context, TotpFactorDao.class, apps);
        Attributes.put(context, RecoveryCodes.class, new RecoveryCodes(secret));
        RecoveryCodeDao recoveryCodes = new RecoveryCodeDao(jdbc);
        Attributes.put(context, RecoveryCodeDao.class, recoveryCodes);
        Attributes.put(context, Factors.class, new Factors(jdbc, phones, apps, recoveryCodes));
        RememberedDeviceDao devices = new RememberedDeviceDao(jdbc);
        Attributes.put(context, RememberedDeviceDao.class, devices);
        RememberedDevices remembered = new RememberedDevices(config, new DeviceTokens(secret), devices, phones, audit,
                clock);
        Attributes.put(context, RememberedDevices.class, remembered);
        SignOutDao signOutDao = new SignOutDao(jdbc);
        SignOutCheck signOutCheck = new SignOutCheck(signOutDao::signedOutAt, config.sessionMaxAge());
        Attributes.put(context, SignOutCheck.class, signOutCheck);
        Attributes.put(context, SignOuts.class, new SignOuts(signOutDao, signOutCheck, remembered, audit, clock));
        // The operators' console reads these (ConsoleServlet); they cost nothing while it is off.
        Attributes.put(context, dev.twostep.admin.UserDirectory.class, new dev.twostep.admin.UserDirectory(jdbc));
        Attributes.put(context, dev.twostep.admin.AuditSearch.class, new dev.twostep.admin.AuditSearch(jdbc));
        Attributes.put(context, dev.twostep.admin.Health.class, new dev.twostep.admin.Health(jdbc, clock));
        if (config.console().enabled()) {
            LOG.info("Operators' console at {}/admin for {}{}", config.pagesPath(),
                    config.console().users().isEmpty() ? "" : "users " + config.console().users(),
                    config.console().role() == null ? "" : (config.console().users().isEmpty() ? "" : " and ")
                            + "role " + config.console().role());
        }
        Messages messages = Messages.with(settings.get(Messages.SETTING), context.getClassLoader());
        Languages languages = Languages.from(settings, messages);
        LOG.info("Pages in {} (default {}){}", languages.tags(), languages.fallback().toLanguageTag(),
                settings.get(Messages.SETTING) == null ? "" : ", texts of " + settings.get(Messages.SETTING) + " first");
        Attributes.put(context, Views.class, new Views(context, config.appName(), config.pagesPath(),
                config.stylesheetUrl(), config.hsts(), messages, languages));
        if (context.getAttribute(GuardRegistration.INSTALLED) == null) {
            // Else install() registered the guard already, and this listener, added in code, may not look.
            GuardRegistration.apply(context, settings, config);
        }
        retentionJob = new RetentionJob(retention, codes, audit, limiter, apps, devices,
                clock).start();
        LOG.info("Twostep is ready");
    }

    /**
     * Adds Twostep to an app without web.xml, from a {@code ServletContainerInitializer} or Spring's
     * {@code WebApplicationInitializer} (in Spring Security's {@code afterSpringSecurityFilterChain}, so the
     * guard runs after Spring's filters): registers the guard from {@code twostep.protect} (set it first with
     * {@code context.setInitParameter}) and this listener. A listener added in code may not register filters
     * itself, so this does it at once; start-up then runs as with web.xml.
     */
    public static void install(ServletContext context) {
        Settings settings = settings(context);
        GuardRegistration.apply(context, settings, TwostepConfig.from(settings));
        context.addListener(TwostepListener.class);
    }

    /**
     * Where this app's settings come from: a {@link Settings} the embedding app or a test put in the context,
     * else the context-params with environment variables over them.
     */
    public static Settings settings(ServletContext context) {
        Settings settings = Attributes.find(context, Settings.class);
        return settings != null ? settings : new Settings(context::getInitParameter, System.getenv());
    }

    /**
     * Names the session cookie {@code __Host-...}: browsers then take it only with Secure, Path=/ and no
     * Domain, so no sibling subdomain or plain-HTTP page can set or overwrite it. The cookie is then only
     * sent over HTTPS, so this is for apps served over HTTPS at the root of their host.
     */
    private static void hostPrefix(ServletContext context) {
        if (!context.getContextPath().isEmpty()) {
            throw new ConfigException("twostep.session.cookie-host-prefix", "needs the app at the root context path"
                    + " (/), because a __Host- cookie must have Path=/; this app is at " + context.getContextPath());
        }
        SessionCookieConfig cookie = context.getSessionCookieConfig();
        String name = cookie.getName() == null ? "JSESSIONID" : cookie.getName();
        if (!name.startsWith("__Host-")) {
            cookie.setName("__Host-" + name);
        }
        if (cookie.getDomain() != null) {
            throw new ConfigException("twostep.session.cookie-host-prefix", "a __Host- cookie cannot have a Domain;"
                    + " remove the <domain> of the session cookie-config");
        }
        cookie.setSecure(true);
        cookie.setPath("/");
    }

    /**
     * The sender the settings ask for. With neither Twilio settings nor an explicit console setting there is
     * none: start-up stops rather than write codes where someone reading logs could use them.
     */
    private static CodeSender sender(TwostepConfig config, String contextPath, byte[] secret) {
        if (config.delivery() == null) {
            throw new ConfigException("twostep.delivery", "no way to deliver codes is configured. For production set"
                    + " TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and twilio.from-number (twostep.delivery=twilio);"
                    + " for development only, twostep.delivery=console writes each code to the server log");
        }
        if (config.delivery() == TwostepConfig.Delivery.TWILIO) {
            requireClass("com.twilio.http.TwilioRestClient", "twostep.delivery", "twilio needs the Twilio SDK in this"
                    + " app: add the dependency com.twilio.sdk:twilio (or the jars of twostep-guard/optional/twilio)");
            LOG.info("Codes are delivered by Twilio (SMS and voice)");
            return TwilioSenders.from(config.twilio(), config.publicOrigin(), config.appName(), contextPath, secret);
        }
        LOG.warn("twostep.delivery=console: codes are written to this log, not sent. For development only: anyone"
                + " who can read this log can pass the second step");
        return new ConsoleSender();
    }

    /**
     * The guard ships no SLF4J binding; an app without one drops every line Twostep logs. Said once through
     * the container's own log; with console delivery, whose codes only exist in the log, start-up stops.
     */
    private static void noLogging(ServletContext context, TwostepConfig config) {
        String add = "add an SLF4J binding to this app, such as org.slf4j:slf4j-jdk14 (the jar of"
                + " twostep-guard/optional/logging), which writes to the container's log";
        if (config.delivery() == TwostepConfig.Delivery.CONSOLE) {
            throw new ConfigException("twostep.delivery", "console delivery writes each code to the log, but this app"
                    + " has no SLF4J binding, so the codes would go nowhere: " + add);
        }
        context.log("Twostep: this app has no SLF4J binding, so Twostep's log lines (warnings and errors included)"
                + " are dropped: " + add);
    }

    /** Stops start-up with a message that names what to add when an optional library is missing. */
    static void requireClass(String className, String setting, String message) {
        try {
            Class.forName(className, false, TwostepListener.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(setting, message);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (retentionJob != null) {
            retentionJob.close();
        }
        if (database != null) {
            database.close();
            database = null;
        }
    }

}
