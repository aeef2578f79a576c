package dev.twostep.app;

import java.time.Clock;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.Attributes;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.web.TwostepListener;

/**
 * The standalone app's own start-up: its accounts and their password hashing
 * ({@link PasswordSettings}). Registered after {@link dev.twostep.web.TwostepListener}, whose pieces it
 * uses; a host app with its own login has no need of it.
 */
public class AppListener implements ServletContextListener {
    private static final Logger LOG = LoggerFactory.getLogger(AppListener.class);

    @Override
    public void contextInitialized(ServletContextEvent event) {
        var context = event.getServletContext();
        TwostepConfig config = Attributes.require(context, TwostepConfig.class);
        PasswordSettings passwords = PasswordSettings.from(TwostepListener.settings(context));
        LOG.info("Passwords: {}", passwords.describe());
        long heapKib = Runtime.getRuntime().maxMemory() >> 10;
        if (passwords.boundKib() > heapKib / 2) {
            LOG.warn("Password hashing may take {} MiB at once ({} slots of {} KiB), more than half of the {} MiB"
                    + " heap: lower twostep.password.max-concurrent or raise -Xmx", passwords.boundKib() >> 10,
                    passwords.maxConcurrent(), passwords.memoryKib(), heapKib >> 10);
        }
        Jdbc jdbc = Attributes.require(context, Jdbc.class);
        TwostepConfig.Limits limits = config.limits();
        Attributes.put(context, AccountService.class, new AccountService(jdbc,
                Attributes.require(context, PhoneDao.class), new PasswordHasher(passwords),
                Attributes.require(context, Clock.class),
                new Lockouts(jdbc, "password", limits.passwordFailuresBeforeLock(), limits.lockDelays()),
                Attributes.require(context, RateLimiter.class),
                new RateLimiter.Rule("pw-ip", limits.passwordFailuresPerAddress(), limits.sendWindow()),
                Attributes.require(context, LockKeys.class)));
    }
}
