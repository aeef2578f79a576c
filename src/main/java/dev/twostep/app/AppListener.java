package dev.twostep.app;

import java.lang.management.ManagementFactory;
import java.time.Clock;

import javax.management.JMException;
import javax.management.ObjectName;

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

    /** The MBean this app registered, to unregister at shutdown; null when none. */
    private volatile ObjectName registered;

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
        PasswordHasher hasher = new PasswordHasher(passwords);
        Attributes.put(context, AccountService.class, new AccountService(jdbc,
                Attributes.require(context, PhoneDao.class), hasher,
                Attributes.require(context, Clock.class),
                new Lockouts(jdbc, "password", limits.passwordFailuresBeforeLock(), limits.lockDelays()),
                Attributes.require(context, RateLimiter.class),
                dev.twostep.limits.LimitRules.passwordFailuresPerAddress(limits),
                Attributes.require(context, LockKeys.class)));
        // Last, so that a start-up that failed above leaves nothing registered.
        register(context.getContextPath(), hasher.figures());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ObjectName name = registered;
        registered = null;
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException | RuntimeException e) {
                LOG.warn("Could not unregister the MBean {}: {}", name, e.toString());
            }
        }
    }

    /** The name of the hashing figures of the app at this context path: one per app in a JVM. */
    static ObjectName objectName(String contextPath) throws JMException {
        return new ObjectName("dev.twostep:type=PasswordHashing,context=" + ObjectName.quote(contextPath));
    }

    /** Publishes the figures as a platform MBean; the app runs on without them when that fails. */
    private void register(String contextPath, PasswordHashingMXBean figures) {
        try {
            ObjectName name = objectName(contextPath);
            ManagementFactory.getPlatformMBeanServer().registerMBean(figures, name);
            registered = name;
            LOG.info("Password hashing figures: JMX MBean {}", name);
        } catch (JMException | RuntimeException | LinkageError e) {
            LOG.warn("Password hashing figures not published over JMX: {}", e.toString());
        }
    }
}
