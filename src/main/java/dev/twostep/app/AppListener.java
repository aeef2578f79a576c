package dev.twostep.app;

import java.time.Clock;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.web.Attributes;

/**
 * The standalone app's own start-up: its accounts. Registered after
 * {@link dev.twostep.web.TwostepListener}, whose pieces it uses; a host app with its own login has no
 * need of it.
 */
public class AppListener implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        var context = event.getServletContext();
        TwostepConfig config = Attributes.require(context, TwostepConfig.class);
        Jdbc jdbc = Attributes.require(context, Jdbc.class);
        TwostepConfig.Limits limits = config.limits();
        Attributes.put(context, AccountService.class, new AccountService(jdbc,
                Attributes.require(context, PhoneDao.class), config.passwordMemoryKib(), config.passwordIterations(),
                Attributes.require(context, Clock.class),
                new Lockouts(jdbc, "password", limits.passwordFailuresBeforeLock(), limits.lockDelays()),
                Attributes.require(context, RateLimiter.class),
                new RateLimiter.Rule("pw-ip", limits.passwordFailuresPerAddress(), limits.sendWindow()),
                Attributes.require(context, LockKeys.class)));
    }
}
