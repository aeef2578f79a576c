package dev.twostep.admin;

import static dev.twostep.db.Jdbc.params;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.limits.LimitRules;
import dev.twostep.limits.RateLimiter;
import dev.twostep.delivery.DeliveryException;

/**
 * How the server is doing, for the operators' console: codes sent against the hourly budgets, failed sends
 * by Twilio error code, and the locks and limits holding now. Everything is read from the tables the limits
 * themselves keep (rate_events, lockouts) and from the audit trail, so it holds across servers sharing one
 * database.
 */
public final class Health {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofDays(1);
    /** RateLimiter's count of a window, for one kind and subject. */
    private static final String COUNT = "SELECT COUNT(*) FROM rate_events WHERE kind = ? AND subject = ? AND at > ?";
    private static final String BY_SUBJECT = "SELECT subject, COUNT(*) FROM rate_events WHERE kind = ? AND at > ?"
            + " GROUP BY subject";
    /** Subjects whose window is full: RateLimiter refuses the next event when the count would exceed max. */
    private static final String FULL = "SELECT COUNT(*) FROM (SELECT subject FROM rate_events WHERE kind = ? AND at > ?"
            + " GROUP BY subject HAVING COUNT(*) >= ?) f";
    private static final String LOCKS = "SELECT scope, COUNT(*), SUM(CASE WHEN locked_until = ? THEN 1 ELSE 0 END)"
            + " FROM lockouts WHERE locked_until > ? GROUP BY scope";
    private static final String FAILURES = "SELECT detail, SUM(repeats) FROM audit_events WHERE event = ? AND at > ?"
            + " GROUP BY detail";
    private static final String USER_SENDS = "SELECT COUNT(*), SUM(CASE WHEN at > ? THEN 1 ELSE 0 END)"
            + " FROM rate_events WHERE kind = ? AND subject = ? AND at > ?";
    /** A failed delivery's audit detail, as CodeSending writes it: "sms invalid_number 21211", "voice try_later". */
    private static final Pattern DELIVERY_FAILURE = Pattern.compile("([a-z]+) ([a-z_]+)(?: ([0-9]+))?");

    private final Jdbc jdbc;
    private final Clock clock;

    public Health(Jdbc jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * The figures at one moment.
     *
     * @param sendsLastHour codes to numbers not confirmed yet in the last hour, as the cost guard counts them
     *        (kind send-all)
     * @param sendsPerHourBudget its ceiling, twostep.limits.sends-per-hour
     * @param failuresByCode failed sends of the last 24 h by Twilio error code, "unknown" when none was given
     *        (a time-out, a refused connection), most first
     * @param locksEngaged what is holding now: for each lockouts scope ("code", "password"), the accounts
     *        locked; for each limit kind of RateLimiter ("pw-ip", "send-ip", "send-user", ...), the subjects
     *        (addresses, users, numbers, countries, "*") whose window is full, so the next event is refused
     * @param confirmedSendsLastHour codes to confirmed numbers in the last hour (kind send-all-ok)
     * @param confirmedSendsPerHourBudget its ceiling, twostep.limits.confirmed-sends-per-hour
     * @param newSendsByCountry codes to new numbers in the last hour per destination country (send-new-cc)
     * @param sendsPerHourPerCountryBudget that ceiling, twostep.limits.sends-per-hour-per-country
     * @param failuresByReason the same failures by reason (DeliveryException.Reason, lower case)
     * @param locksForGood of the locked accounts, those locked until an operator unlocks them, per scope
     * @param at when, epoch milliseconds
     */
    public record Snapshot(long sendsLastHour, long sendsPerHourBudget, Map<String, Long> failuresByCode,
                           Map<String, Long> locksEngaged, long confirmedSendsLastHour, long confirmedSendsPerHourBudget,
                           Map<String, Long> newSendsByCountry, long sendsPerHourPerCountryBudget,
                           Map<String, Long> failuresByReason, Map<String, Long> locksForGood, long at) {
    }

    /** Reads the figures now; a handful of short statements on one connection. */
    public Snapshot snapshot(TwostepConfig config) {
        long now = clock.millis();
        TwostepConfig.Limits limits = config.limits();
        return jdbc.withConnection("reading the server's health", c -> {
            long newSends = count(c, LimitRules.newSendsPerHour(limits).kind(), "*", now - HOUR.toMillis());
            long confirmedSends = count(c, LimitRules.confirmedSendsPerHour(limits).kind(), "*", now - HOUR.toMillis());
            Map<String, Long> byCountry = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(BY_SUBJECT)) {
                params(LimitRules.countrySendsPerHour(limits).kind(), now - HOUR.toMillis()).bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byCountry.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            Map<String, Long> byCode = new TreeMap<>();
            Map<String, Long> byReason = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(FAILURES)) {
                params(AuditLog.Event.CODE_SEND_FAILED.name(), now - DAY.toMillis()).bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Matcher m = DELIVERY_FAILURE.matcher(rs.getString(1) == null ? "" : rs.getString(1));
                        if (m.matches() && reason(m.group(2))) {
                            byCode.merge(m.group(3) == null ? "unknown" : m.group(3), rs.getLong(2), Long::sum);
                            byReason.merge(m.group(2), rs.getLong(2), Long::sum);
                        }
                    }
                }
            }
            Map<String, Long> engaged = new LinkedHashMap<>();
            Map<String, Long> forGood = new LinkedHashMap<>();
            for (String scope : List.of("code", "password")) {
                engaged.put(scope, 0L);
                forGood.put(scope, 0L);
            }
            try (PreparedStatement ps = c.prepareStatement(LOCKS)) {
                params(Long.MAX_VALUE, now).bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        engaged.put(rs.getString(1), rs.getLong(2));
                        forGood.put(rs.getString(1), rs.getLong(3));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(FULL)) {
                for (RateLimiter.Rule limit : LimitRules.all(limits)) {
                    params(limit.kind(), now - limit.window().toMillis(), limit.max()).bind(ps);
                    try (ResultSet rs = ps.executeQuery()) {
                        engaged.put(limit.kind(), rs.next() ? rs.getLong(1) : 0L);
                    }
                }
            }
            return new Snapshot(newSends, limits.sendsPerHour(), mostFirst(byCode), engaged, confirmedSends,
                    limits.confirmedSendsPerHour(), mostFirst(byCountry), limits.sendsPerHourPerCountry(),
                    mostFirst(byReason), forGood, now);
        });
    }

    /** Codes counted for one user in the last hour and day. */
    public record Sends(long lastHour, long lastDay) {
    }

    /**
     * The codes counted for one user, as the per-user daily limit counts them (kind send-user-day, which every
     * send counts in, whatever the number; a send refused by a limit or failed is taken back there, and so is
     * not counted here either).
     */
    public Sends userSends(String username) {
        long now = clock.millis();
        return jdbc.queryOne("counting a user's sends", USER_SENDS, params(now - HOUR.toMillis(), "send-user-day",
                username, now - DAY.toMillis()), rs -> new Sends(rs.getLong(2), rs.getLong(1))).orElse(new Sends(0, 0));
    }

    private static long count(java.sql.Connection c, String kind, String subject, long after)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(COUNT)) {
            params(kind, subject, after).bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static boolean reason(String lowerCase) {
        try {
            DeliveryException.Reason.valueOf(lowerCase.toUpperCase(Locale.ROOT));
            return true;
        } catch (IllegalArgumentException notOne) {
            return false;
        }
    }

    /** The map by count, highest first, then by key. */
    private static Map<String, Long> mostFirst(Map<String, Long> counts) {
        Map<String, Long> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }
}
