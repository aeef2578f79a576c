package dev.twostep.code;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.ClientAddress;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.LimitedException.Limit;
import dev.twostep.limits.LimitRules;
import dev.twostep.limits.RateLimiter;

/**
 * How many codes go out. Every code counts per user and per destination number (a number in a window, and a
 * least interval between two). Beyond that, codes to numbers nobody has confirmed yet (registration,
 * enrollment, phone change: what an SMS pumper can trigger without anyone's password) and codes to
 * confirmed numbers (a sign-in, which needs the first factor) have budgets of their own:
 * <ul>
 * <li>new numbers: per client address (tight), per number a day, per destination country per hour, and
 * for the whole server per hour (the cost guard);</li>
 * <li>confirmed numbers: per client address (loose, so an office behind one NAT signs in), and for the
 * whole server per hour (high).</li>
 * </ul>
 * So however many addresses an attacker has, pumping uses up only the new-number budget: established users
 * keep signing in.
 */
public final class SendLimits {
    private static final Logger LOG = LoggerFactory.getLogger(SendLimits.class);
    /** No limits (unit tests of the code rules alone). */
    static final SendLimits NONE = new SendLimits(null, null);

    /** One rule and what it counts. */
    private record Counted(RateLimiter.Rule rule, Subject subject, Limit limit) {
    }

    private enum Subject { USER, NUMBER, ADDRESS, COUNTRY, SERVER }

    private final RateLimiter limiter;
    private final List<Counted> always = new ArrayList<>();
    private final List<Counted> newNumbers = new ArrayList<>();
    private final List<Counted> confirmed = new ArrayList<>();
    private final AtomicLong warnedHour = new AtomicLong(-1);
    private final long establishedAfterMillis;

    public SendLimits(RateLimiter limiter, TwostepConfig.Limits limits) {
        this.limiter = limiter;
        this.establishedAfterMillis = limits == null ? 0 : limits.establishedAfter().toMillis();
        if (limits == null) {
            return;
        }
        add(always, LimitRules.userSends(limits), limits.user().interval(), Subject.USER);
        add(always, LimitRules.numberSends(limits), limits.number().interval(), Subject.NUMBER);
        always.add(new Counted(LimitRules.userSendsPerDay(limits), Subject.USER, Limit.SENDS));
        add(newNumbers, LimitRules.addressSends(limits), limits.address().interval(), Subject.ADDRESS);
        newNumbers.add(new Counted(LimitRules.newNumberSendsPerDay(limits), Subject.NUMBER, Limit.SENDS));
        newNumbers.add(new Counted(LimitRules.countrySendsPerHour(limits), Subject.COUNTRY, Limit.GLOBAL_SENDS));
        newNumbers.add(new Counted(LimitRules.newSendsPerHour(limits), Subject.SERVER, Limit.GLOBAL_SENDS));
        confirmed.add(new Counted(LimitRules.addressConfirmedSends(limits), Subject.ADDRESS, Limit.SENDS));
        confirmed.add(new Counted(LimitRules.confirmedSendsPerHour(limits), Subject.SERVER, Limit.GLOBAL_SENDS));
    }

    /** A window rule, and its one-per-interval companion ({@code <kind>-gap}) unless the interval is zero. */
    private static void add(List<Counted> to, RateLimiter.Rule rule, Duration interval, Subject subject) {
        to.add(new Counted(rule, subject, Limit.SENDS));
        if (!interval.isZero()) {
            to.add(new Counted(new RateLimiter.Rule(rule.kind() + "-gap", 1, interval), subject, Limit.SENDS));
        }
    }

    /**
     * Counts one send everywhere it counts, or none of them when one is full.
     *
     * @param confirmedAt when the destination was confirmed as this user's phone (epoch ms), or null for a
     *        number nobody confirmed yet (registration, enrollment, phone change). A phone confirmed less than
     *        {@code twostep.limits.established-after-hours} ago still counts in the new-number budget.
     */
    List<Long> acquire(String user, String to, String address, Long confirmedAt, long now) throws LimitedException {
        boolean toConfirmed = confirmedAt != null && now - confirmedAt >= establishedAfterMillis;
        if (limiter == null) {
            return new ArrayList<>();
        }
        List<Counted> rules = new ArrayList<>(always);
        rules.addAll(toConfirmed ? confirmed : newNumbers);
        List<Counted> counting = new ArrayList<>(rules.size());
        List<RateLimiter.Count> counts = new ArrayList<>(rules.size());
        for (Counted counted : rules) {
            String subject = switch (counted.subject()) {
                case USER -> user;
                case NUMBER -> to;
                case ADDRESS -> ClientAddress.limitKey(address);
                case COUNTRY -> country(to);
                case SERVER -> "*";
            };
            if (subject != null) {
                counting.add(counted);
                counts.add(new RateLimiter.Count(counted.rule(), subject));
            }
        }
        // All counted or none, in two trips to the database: see RateLimiter.acquireAll.
        RateLimiter.Counted result = limiter.acquireAll(counts, now);
        if (result.ok()) {
            return new ArrayList<>(result.ids());
        }
        Counted full = counting.get(result.full());
        if (full.subject() == Subject.SERVER || full.subject() == Subject.COUNTRY) {
            long hour = now / 3_600_000L;
            if (warnedHour.getAndSet(hour) != hour) {
                LOG.warn("A cost ceiling is reached ({} codes per hour {}): such sends are refused until the window"
                        + " has room; see twostep.limits.sends-per-hour, .sends-per-hour-per-country and"
                        + " .confirmed-sends-per-hour", full.rule().max(),
                        describe(full, counts.get(result.full()).subject()));
            }
        }
        throw new LimitedException(full.limit(), result.retryAfter());
    }

    private static String describe(Counted counted, String subject) {
        return switch (counted.rule().kind()) {
            case "send-new-cc" -> "to new numbers in " + subject;
            case "send-all" -> "to new numbers";
            default -> "to confirmed numbers";
        };
    }

    /** The destination's country (ISO code), or "ZZ" when it cannot be told. */
    static String country(String e164) {
        try {
            PhoneNumberUtil util = PhoneNumberUtil.getInstance();
            String region = util.getRegionCodeForNumber(util.parse(e164, "ZZ"));
            return region == null ? "ZZ" : region;
        } catch (NumberParseException e) {
            return "ZZ";
        }
    }

    void release(List<Long> taken) {
        if (limiter != null) {
            limiter.releaseAll(taken);
        }
    }
}
