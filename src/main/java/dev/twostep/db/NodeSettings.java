package dev.twostep.db;

import static dev.twostep.db.Jdbc.params;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;
import dev.twostep.config.TwostepConfig;

/**
 * Makes every server on one database run with the same values of the settings that must agree, as
 * {@code dev.twostep.code.KeyCheck} does for the code secret. The first server to start records its values
 * in the table {@code node_settings}; a server whose values differ refuses to start, naming each setting and
 * both values. The values are recorded as text, since none of them is secret.
 *
 * <p>A setting is here when it bounds something every server shares, so that servers which disagree would
 * make the loosest of them the real bound, and an attacker (or a load balancer) picks the server:
 * <ul>
 * <li>the codes: {@code twostep.code.length} (a code of 8 digits sent by one server is refused by a server
 *     that reads 6), {@code .ttl-seconds} (the message says how long the code lasts) and {@code .max-attempts}
 *     (checked against the row's attempt count on each try, so a code gets as many guesses as the most
 *     generous server allows);</li>
 * <li>every limit of {@link TwostepConfig.Limits}: each is a maximum applied to a count kept in the database
 *     (rate_events and lockouts), so two servers with 5 and 50 sends per window would both count the same
 *     rows and the second would let through ten times the first's; this holds for the send rules, the
 *     windows, the hourly cost ceilings, the established-phone delay (it decides which budget a send draws
 *     from), and the thresholds, cap and delays of the code and password locks. None of them is left out:
 *     there is no limit that is counted only in one server's memory;</li>
 * <li>{@code twostep.phone.allowed-regions}: a server allowing more countries is where SMS pumping goes;</li>
 * <li>{@code twostep.factors} and {@code twostep.factors.required}: a server that still offers SMS, or
 *     requires less, would be the way around the others' policy;</li>
 * <li>{@code twostep.session.max-minutes}: with sessions in a shared store, a sign-in lives as long as the
 *     most generous server lets it;</li>
 * <li>{@code twostep.identity.lowercase}: it decides whether "Alice" and "alice" are one user, so one set of
 *     per-user counts and locks, or two.</li>
 * </ul>
 * Left out are settings that shape only one server's pages or resources (names, paths, pool sizes, Twilio
 * timeouts), those that differ by a server's place in the network ({@code twostep.trusted-proxies}), and
 * those fixed into a row when it is written (a remembered device's expiry).
 *
 * <p>To change them on purpose: give every server the new values, and start the first one once with
 * {@value #ACCEPT}{@code =true}, which records its values over the old ones (logged at WARN); the others then
 * start with the new values as before. Servers still running keep their old values until they restart, so a
 * rolling change is briefly mixed, as it must be. A server that records values never looks again while it
 * runs.
 *
 * <p>On Twostep's own pool over an SQLite file ({@link Database#ownSqliteFile()}) a changed value is
 * recorded on restart without the setting, with the same WARN: that file is one server's (no other web app in
 * the JVM can open it, and servers that share a database share PostgreSQL), so the values recorded are this
 * server's previous ones, and a single server keeps starting after its settings change as it always did.
 * An SQLite database from the container's DataSource may be shared by several web apps, so it is checked as
 * PostgreSQL is.
 */
public final class NodeSettings {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSettings.class);
    /** The setting that lets this server record its values over different ones, on purpose. Default false. */
    public static final String ACCEPT = "twostep.cluster.accept-settings";
    private static final String NAME = "shared";
    /** Of two servers starting at once, exactly one inserts; the other reads what it wrote. */
    private static final String INSERT = "INSERT INTO node_settings (name, settings, recorded_at) VALUES (?, ?, ?)"
            + " ON CONFLICT (name) DO NOTHING";
    private static final String READ = "SELECT settings, recorded_at FROM node_settings WHERE name = ?";
    /** Replaces the values only if they are still the ones read, so two replacing servers never mix sets. */
    private static final String REPLACE = "UPDATE node_settings SET settings = ?, recorded_at = ? WHERE name = ?"
            + " AND settings = ?";
    private static final int TRIES = 5;

    /** What to do when the recorded values differ from this server's. */
    public enum OnDifference {
        /** Refuse to start (servers sharing a database). */
        REFUSE,
        /** Record this server's values: it is the only server on this SQLite file. */
        RECORD_ALONE,
        /** Record this server's values: {@value NodeSettings#ACCEPT} is true. */
        RECORD_ON_PURPOSE
    }

    /** What {@link #verify} did. */
    public enum Outcome {
        /** This server was the first: its values are recorded. */
        RECORDED,
        /** The values recorded are this server's (settings a newer version added may have been recorded too). */
        AGREED,
        /** The values recorded differed and were replaced by this server's. */
        REPLACED
    }

    private NodeSettings() {
    }

    /** The values of the settings that must agree, by setting name, as text. */
    public static SortedMap<String, String> of(TwostepConfig config) {
        SortedMap<String, String> v = new TreeMap<>();
        v.put("twostep.code.length", Integer.toString(config.codeLength()));
        v.put("twostep.code.ttl-seconds", Long.toString(config.codeTtl().toSeconds()));
        v.put("twostep.code.max-attempts", Integer.toString(config.codeMaxAttempts()));
        TwostepConfig.Limits l = config.limits();
        rule(v, "user", l.user());
        rule(v, "number", l.number());
        rule(v, "address", l.address());
        v.put("twostep.limits.address.confirmed-sends", Integer.toString(l.addressConfirmedSends()));
        v.put("twostep.limits.number.new-sends-per-day", Integer.toString(l.newNumberSendsPerDay()));
        v.put("twostep.limits.user.sends-per-day", Integer.toString(l.userSendsPerDay()));
        v.put("twostep.limits.established-after-hours", Long.toString(l.establishedAfter().toHours()));
        v.put("twostep.limits.send-window-seconds", Long.toString(l.sendWindow().toSeconds()));
        v.put("twostep.limits.sends-per-hour", Integer.toString(l.sendsPerHour()));
        v.put("twostep.limits.sends-per-hour-per-country", Integer.toString(l.sendsPerHourPerCountry()));
        v.put("twostep.limits.confirmed-sends-per-hour", Integer.toString(l.confirmedSendsPerHour()));
        v.put("twostep.limits.code-failures-before-lock", Integer.toString(l.codeFailuresBeforeLock()));
        v.put("twostep.limits.code-failures-cap", Integer.toString(l.codeFailuresCap()));
        v.put("twostep.limits.password-failures-before-lock", Integer.toString(l.passwordFailuresBeforeLock()));
        v.put("twostep.limits.password-failures-per-address", Integer.toString(l.passwordFailuresPerAddress()));
        v.put("twostep.limits.lock-minutes", l.lockDelays().stream().map(d -> Long.toString(d.toMinutes()))
                .collect(Collectors.joining(",")));
        v.put("twostep.phone.allowed-regions", String.join(",", new java.util.TreeSet<>(config.allowedRegions())));
        v.put("twostep.factors", names(config.factors().isEmpty() ? EnumSet.noneOf(TwostepConfig.FactorKind.class)
                : EnumSet.copyOf(config.factors())));
        v.put("twostep.factors.required", names(config.requiredFactors().isEmpty()
                ? EnumSet.noneOf(TwostepConfig.Required.class) : EnumSet.copyOf(config.requiredFactors())));
        v.put("twostep.session.max-minutes", Long.toString(config.sessionMaxAge().toMinutes()));
        v.put("twostep.identity.lowercase", Boolean.toString(config.identityLowercase()));
        return v;
    }

    private static void rule(Map<String, String> v, String what, TwostepConfig.SendRule rule) {
        v.put("twostep.limits." + what + ".sends", Integer.toString(rule.sends()));
        v.put("twostep.limits." + what + ".interval-seconds", Long.toString(rule.interval().toSeconds()));
    }

    /** Enum constants in their declared order, lower case: one text for one set, however it was written. */
    private static String names(EnumSet<?> set) {
        return set.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }

    /**
     * Records this server's values, or compares them with the ones recorded.
     *
     * @param onDifference what to do when they differ
     * @param now the time to record (epoch ms)
     * @throws ConfigException naming the first differing setting, with every difference in the message, when
     *     they differ and {@code onDifference} is {@link OnDifference#REFUSE}
     */
    public static Outcome verify(Jdbc jdbc, SortedMap<String, String> mine, OnDifference onDifference, long now) {
        for (int i = 0; i < TRIES; i++) {
            if (jdbc.update("recording the settings servers share", INSERT, params(NAME, format(mine), now)) == 1) {
                LOG.info("Recorded in the database the settings that every server sharing it must have: {}", mine);
                return Outcome.RECORDED;
            }
            Optional<Object[]> row = jdbc.queryOne("reading the settings servers share", READ, params(NAME),
                    rs -> new Object[] {rs.getString(1), rs.getLong(2)});
            if (row.isEmpty()) {
                continue; // deleted by an operator since: insert again
            }
            String text = (String) row.get()[0];
            SortedMap<String, String> recorded = parse(text);
            List<String> differing = new ArrayList<>();
            List<String> added = new ArrayList<>();
            for (Map.Entry<String, String> e : mine.entrySet()) {
                String theirs = recorded.get(e.getKey());
                if (theirs == null) {
                    added.add(e.getKey());
                } else if (!theirs.equals(e.getValue())) {
                    differing.add(e.getKey());
                }
            }
            if (differing.isEmpty() && added.isEmpty()) {
                return Outcome.AGREED;
            }
            if (!differing.isEmpty() && onDifference == OnDifference.REFUSE) {
                throw refusal(differing, recorded, mine, (Long) row.get()[1]);
            }
            // Settings only an older version recorded are kept, for the servers that still run it.
            SortedMap<String, String> merged = new TreeMap<>(recorded);
            merged.putAll(mine);
            if (jdbc.update("recording the settings servers share", REPLACE, params(format(merged), now, NAME, text)) == 1) {
                if (differing.isEmpty()) {
                    LOG.info("Recorded settings that servers sharing this database must have, new in this version: {}",
                            added);
                    return Outcome.AGREED;
                }
                LOG.warn("Replaced the settings recorded for every server on this database with this server's ({}): {}."
                        + " Servers running with the old values keep them until they restart; give each the new"
                        + " values", onDifference == OnDifference.RECORD_ON_PURPOSE ? ACCEPT + "=true"
                        : "this server's own SQLite file, which no other server shares", changes(differing, recorded, mine));
                return Outcome.REPLACED;
            }
            // Another server changed the row between our read and our write: look again.
        }
        throw new ConfigException(ACCEPT, "the settings recorded in the database kept changing while this server"
                + " started (" + TRIES + " tries): are several servers starting with " + ACCEPT + "=true?");
    }

    private static ConfigException refusal(List<String> differing, Map<String, String> recorded,
                                           Map<String, String> mine, long recordedAt) {
        StringJoiner each = new StringJoiner("; ");
        for (String name : differing) {
            each.add(name + " is " + shown(mine.get(name)) + " here but " + shown(recorded.get(name))
                    + " on the servers already using it");
        }
        return new ConfigException(differing.get(0), "this server's settings differ from those recorded in the"
                + " database on " + Instant.ofEpochMilli(recordedAt) + " for every server that shares it: " + each
                + ". Servers sharing a database must agree on these, or a code sent by one is refused by another and"
                + " each limit is only as tight as the loosest server. Give this server the same values; or, to"
                + " change them everywhere, give every server the new values and start the first of them once with "
                + ACCEPT + "=true, which records its values over the old ones (then remove it)");
    }

    private static String changes(List<String> differing, Map<String, String> recorded, Map<String, String> mine) {
        return differing.stream().map(n -> n + " " + shown(recorded.get(n)) + " -> " + shown(mine.get(n)))
                .collect(Collectors.joining(", "));
    }

    private static String shown(String value) {
        return value.isEmpty() ? "(none)" : value;
    }

    static String format(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(values).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return text.toString();
    }

    static SortedMap<String, String> parse(String text) {
        SortedMap<String, String> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }
}
