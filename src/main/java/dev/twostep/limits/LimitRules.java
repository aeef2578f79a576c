package dev.twostep.limits;

import java.time.Duration;
import java.util.List;

import dev.twostep.config.TwostepConfig;

/**
 * The sliding-window limits, by the kind {@link RateLimiter} counts them under, made from the settings in one
 * place: the code that counts (SendLimits, the sign-in, the registration) and the operators' console that
 * reads the counts (Health) take them from here, so the two cannot drift apart. The one-per-interval rules
 * ({@code <kind>-gap}) are SendLimits' own: they hold for seconds.
 */
public final class LimitRules {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofDays(1);

    private LimitRules() {
    }

    /** Codes per user name in the window (every code). */
    public static RateLimiter.Rule userSends(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-user", l.user().sends(), l.sendWindow());
    }

    /** Codes per destination number in the window (every code). */
    public static RateLimiter.Rule numberSends(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-to", l.number().sends(), l.sendWindow());
    }

    /** Codes per user name a day (every code). */
    public static RateLimiter.Rule userSendsPerDay(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-user-day", l.userSendsPerDay(), DAY);
    }

    /** Codes to numbers not confirmed yet, per client address in the window. */
    public static RateLimiter.Rule addressSends(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-ip", l.address().sends(), l.sendWindow());
    }

    /** Codes a day to one number nobody has confirmed. */
    public static RateLimiter.Rule newNumberSendsPerDay(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-new-to", l.newNumberSendsPerDay(), DAY);
    }

    /** Codes an hour to numbers not confirmed yet, per destination country. */
    public static RateLimiter.Rule countrySendsPerHour(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-new-cc", l.sendsPerHourPerCountry(), HOUR);
    }

    /** Codes an hour to numbers not confirmed yet, for the whole server (the cost guard), subject "*". */
    public static RateLimiter.Rule newSendsPerHour(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-all", l.sendsPerHour(), HOUR);
    }

    /** Codes to confirmed numbers, per client address in the window. */
    public static RateLimiter.Rule addressConfirmedSends(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-ip-ok", l.addressConfirmedSends(), l.sendWindow());
    }

    /** Codes an hour to confirmed numbers, for the whole server, subject "*". */
    public static RateLimiter.Rule confirmedSendsPerHour(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("send-all-ok", l.confirmedSendsPerHour(), HOUR);
    }

    /** Failed sign-ins per client address in the window. */
    public static RateLimiter.Rule passwordFailuresPerAddress(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("pw-ip", l.passwordFailuresPerAddress(), l.sendWindow());
    }

    /** Registrations per client address in the window: four times the new-number sends. */
    public static RateLimiter.Rule registrationsPerAddress(TwostepConfig.Limits l) {
        return new RateLimiter.Rule("register-ip", l.address().sends() * 4, l.sendWindow());
    }

    /** Every rule above. */
    public static List<RateLimiter.Rule> all(TwostepConfig.Limits l) {
        return List.of(userSends(l), numberSends(l), userSendsPerDay(l), addressSends(l), newNumberSendsPerDay(l),
                countrySendsPerHour(l), newSendsPerHour(l), addressConfirmedSends(l), confirmedSendsPerHour(l),
                passwordFailuresPerAddress(l), registrationsPerAddress(l));
    }
}
