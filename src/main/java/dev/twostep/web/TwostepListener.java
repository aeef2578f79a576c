package dev.twostep.web;

import java.time.Clock;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.code.CodeService;
import dev.twostep.code.SendLimits;
import dev.twostep.code.ServerSecret;
import dev.twostep.config.TwostepConfig;
import dev.twostep.config.Settings;
import dev.twostep.db.Database;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.ConsoleSender;
import dev.twostep.delivery.TwilioSenders;
import dev.twostep.delivery.VoiceToken;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.ClientAddress;
import dev.twostep.guard.TwoStepFilter;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.enroll.PhoneNumbers;

/**
 * Builds Twostep at start-up: reads the settings, opens the database and migrates it, picks the code
 * sender, and shares each piece through the ServletContext under its class name. Closes the pool on
 * shutdown. A {@link Settings}, {@link CodeSender} or {@link Clock} already in the context (put there by
 * an embedding app or a test, e.g. settings backed by a secrets vault) is used instead of the built-in one.
 */
public class TwostepListener implements ServletContextListener {
    private static final Logger LOG = LoggerFactory.getLogger(TwostepListener.class);
    private Database database;

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
        Settings settings = Attributes.find(context, Settings.class);
        if (settings == null) {
            settings = new Settings(context::getInitParameter, System.getenv());
        }
        TwostepConfig config = TwostepConfig.from(settings);
        LOG.info("Twostep starting: {}", config.describe());

        Clock clock = Attributes.find(context, Clock.class);
        if (clock == null) {
            clock = Clock.systemUTC();
            Attributes.put(context, Clock.class, clock);
        }
        byte[] secret = ServerSecret.load(config.secret(), config.dataDir());
        CodeSender sender = Attributes.find(context, CodeSender.class);
        if (sender == null) {
            sender = config.delivery() == TwostepConfig.Delivery.TWILIO
                    ? TwilioSenders.from(config, context.getContextPath(), secret)
                    : new ConsoleSender();
            Attributes.put(context, CodeSender.class, sender);
        }
        if (sender instanceof ConsoleSender) {
            LOG.warn("Codes are written to this log, not sent: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and"
                    + " TWILIO_FROM_NUMBER (or twostep.delivery=twilio to refuse to start without them) for real use");
        }
        LOG.info("Codes are delivered by {}", config.delivery() == TwostepConfig.Delivery.TWILIO
                && !(sender instanceof ConsoleSender) ? "Twilio (SMS and voice)" : sender.getClass().getSimpleName());
        Attributes.put(context, VoiceToken.class, new VoiceToken(secret));

        database = Database.open(config, context.getContextPath());
        Jdbc jdbc = new Jdbc(database.dataSource());
        PhoneDao phones = new PhoneDao(jdbc);
        RateLimiter limiter = new RateLimiter(jdbc);
        CodeService codes = new CodeService(jdbc, secret, sender,
                new CodeService.Policy(config.codeLength(), config.codeTtl(), config.codeMaxAttempts()), clock,
                new SendLimits(limiter, config.limits()),
                new Lockouts(jdbc, "code", config.limits().codeFailuresBeforeLock(), config.limits().lockDelays()));
        Attributes.put(context, RateLimiter.class, limiter);
        Attributes.put(context, AuditLog.class, new AuditLog(jdbc, clock));
        Attributes.put(context, ClientAddress.class, new ClientAddress(config.trustedProxies()));

        Attributes.put(context, TwostepConfig.class, config);
        Attributes.put(context, Jdbc.class, jdbc);
        Attributes.put(context, PhoneDao.class, phones);
        Attributes.put(context, PhoneNumbers.class, new PhoneNumbers(config.phoneRegion(), config.allowedRegions()));
        Attributes.put(context, CodeService.class, codes);
        Attributes.put(context, Views.class, new Views(context, config.appName(), config.pagesPath(),
                config.stylesheetUrl(), config.hsts()));
        boolean guarded = context.getFilterRegistrations().values().stream()
                .anyMatch(f -> TwoStepFilter.class.getName().equals(f.getClassName()));
        if (!guarded) {
            LOG.warn("No {} is registered in this app: no page is protected by the second step",
                    TwoStepFilter.class.getSimpleName());
        }
        LOG.info("Twostep is ready");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (database != null) {
            database.close();
            database = null;
        }
    }

}
