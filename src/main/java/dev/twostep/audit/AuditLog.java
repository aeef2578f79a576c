package dev.twostep.audit;

import static dev.twostep.db.Jdbc.params;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.db.DataAccessException;
import dev.twostep.db.Jdbc;

/**
 * The audit trail: sign-ins, codes sent, accepted and rejected, lockouts, enrollment and phone changes,
 * sign-outs; with time, user, client address and user agent. Details never hold a code, a password or a
 * full phone number (numbers are masked by the callers).
 */
public final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final String INSERT = "INSERT INTO audit_events (id, at, username, event, detail, client_ip,"
            + " user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String RECENT = "SELECT at, event, detail, client_ip, user_agent, repeats FROM audit_events"
            + " WHERE username = ? ORDER BY at DESC, id DESC LIMIT ?";

    /** Events after the user's last operator reset only: a reset lets the user enroll again. */
    private static final String SINCE_RESET = " AND at > COALESCE((SELECT MAX(at) FROM audit_events"
            + " WHERE username = ? AND event = 'OPERATOR_FACTORS_RESET'), -1)";
    private static final String HAD_PHONE = "SELECT 1 FROM audit_events WHERE username = ? AND event IN (?, ?)"
            + SINCE_RESET + " LIMIT 1";
    private static final String HAD_FACTOR = "SELECT 1 FROM audit_events WHERE username = ? AND event IN (?, ?, ?)"
            + SINCE_RESET + " LIMIT 1";
    /**
     * Kept whatever the retention: they prove a user once had a confirmed phone or app (re-enrollment is
     * refused on them), and there are a few per user.
     */
    public static final Set<Event> KEPT_FOREVER = Set.of(Event.ENROLLED, Event.PHONE_CHANGED,
            Event.AUTHENTICATOR_ADDED, Event.OPERATOR_FACTORS_RESET);
    private static final String PURGE = "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events"
            + " WHERE at < ? AND event NOT IN (" + KEPT_FOREVER.stream().map(e -> "'" + e.name() + "'").sorted()
            .collect(Collectors.joining(", ")) + ") LIMIT ?)";
    private static final int PURGE_BATCH = 1000;

    /** Throttled events, merged per user, address and detail within {@link #MERGE_WINDOW}. */
    static final Set<Event> MERGED = Set.of(Event.SIGN_IN_THROTTLED, Event.CODE_SEND_LIMITED);
    static final java.time.Duration MERGE_WINDOW = java.time.Duration.ofMinutes(15);
    private static final String REPEAT = "UPDATE audit_events SET repeats = repeats + 1 WHERE id = (SELECT id FROM"
            + " audit_events WHERE event = ? AND COALESCE(username, '') = ? AND COALESCE(client_ip, '') = ?"
            + " AND COALESCE(detail, '') = ? AND at > ? ORDER BY at DESC LIMIT 1)";

    /** What happened. */
    public enum Event {
        SIGN_IN_OK, SIGN_IN_FAILED, SIGN_IN_THROTTLED, CODE_SENT, CODE_SEND_FAILED, CODE_SEND_LIMITED,
        CODE_ACCEPTED, CODE_REJECTED, LOCKOUT, ENROLLED, PHONE_CHANGED, SIGN_OUT, AUTHENTICATOR_ADDED,
        RECOVERY_CODES_CREATED, RECOVERY_CODE_USED,
        DEVICE_REMEMBERED, SIGNED_IN_REMEMBERED_DEVICE, DEVICES_FORGOTTEN,
        AUTHENTICATOR_REMOVED, PHONE_REMOVED, DEVICE_REVOKED, STEP_UP_ASKED,
        SIGNED_OUT_EVERYWHERE, PASSWORD_CHANGED,
        /** An operator's action in the console, on the user named; the detail names the operator. */
        OPERATOR_UNLOCKED, OPERATOR_DEVICES_REVOKED, OPERATOR_SIGNED_OUT,
        /**
         * An operator removed factors of the user (the detail names the operator, what and why). Kept forever:
         * the factors the trail shows before it no longer stop the user from enrolling again.
         */
        OPERATOR_FACTORS_RESET,
        /** An operator exported an audit search as CSV; on the operator's own trail, with the search and rows. */
        OPERATOR_EXPORTED
    }

    /** Who did it, from where. */
    public record Client(String address, String userAgent) {
    }

    /** One line of the trail. */
    public record Entry(long at, Event event, String detail, String address, String userAgent) {
    }

    private final Jdbc jdbc;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public AuditLog(Jdbc jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Records an event. A failure to write the trail is logged, never shown to the user. A throttled event
     * ({@link #MERGED}) that repeats one of the same user, client address and detail from the last
     * {@link #MERGE_WINDOW} only counts up that row's {@code repeats}: refusals cost the refuser nothing, so
     * they must not cost the trail a row each.
     */
    public void record(Event event, String username, Client client, String detail) {
        try {
            String address = client == null ? null : cut(client.address(), 64);
            if (MERGED.contains(event) && jdbc.update("counting a repeated audit event", REPEAT, params(event.name(),
                    nullToEmpty(cut(username, 255)), nullToEmpty(address), nullToEmpty(cut(detail, 255)),
                    clock.millis() - MERGE_WINDOW.toMillis())) == 1) {
                return;
            }
            jdbc.update("writing the audit trail", INSERT, params(random.nextLong() & Long.MAX_VALUE, clock.millis(),
                    cut(username, 255), event.name(), cut(detail, 255), client == null ? null : cut(client.address(), 64),
                    client == null ? null : cut(client.userAgent(), 255)));
        } catch (DataAccessException e) {
            LOG.error("Audit event {} for user {} was not written: {}", event, LogText.safe(username),
                    e.getMessage());
        }
    }

    /**
     * True when the trail shows this user confirmed a phone once (enrollment or a phone change) since an
     * operator last reset their factors. Those events are kept whatever the audit retention, so this stays
     * true.
     */
    public boolean hadConfirmedPhone(String username) {
        return jdbc.queryOne("reading the audit trail", HAD_PHONE, params(username, Event.ENROLLED.name(),
                Event.PHONE_CHANGED.name(), username), rs -> Boolean.TRUE).orElse(false);
    }

    /**
     * Whether the trail shows this user once had a confirmed second factor of their own: a phone, or an
     * authenticator app, since an operator last reset their factors. Such a user who has none now must not
     * set one up at sign-in (trust on first use holds only for the first, or the first after a reset).
     */
    public boolean hadConfirmedFactor(String username) {
        return jdbc.queryOne("reading the audit trail", HAD_FACTOR, params(username, Event.ENROLLED.name(),
                Event.PHONE_CHANGED.name(), Event.AUTHENTICATOR_ADDED.name(), username), rs -> Boolean.TRUE).orElse(false);
    }

    public List<Entry> recent(String username, int limit) {
        List<Entry> entries = new ArrayList<>();
        jdbc.queryOne("reading the audit trail", RECENT, params(username, limit), rs -> {
            do {
                int repeats = rs.getInt(6);
                String detail = repeats > 1 ? (rs.getString(3) == null ? "" : rs.getString(3) + " ") + "(" + repeats
                        + " times)" : rs.getString(3);
                entries.add(new Entry(rs.getLong(1), Event.valueOf(rs.getString(2)), detail, rs.getString(4),
                        rs.getString(5)));
            } while (entries.size() < limit && rs.next());
            return entries;
        });
        return entries;
    }

    /**
     * Deletes events older than a time, a batch at a time, except {@link #KEPT_FOREVER}.
     *
     * @return the rows removed
     */
    public long purgeBefore(Instant before) {
        return jdbc.deleteInBatches("purging the audit trail", PURGE, PURGE_BATCH, before.toEpochMilli());
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String cut(String value, int max) {
        if (value == null) {
            return null;
        }
        StringBuilder clean = new StringBuilder();
        value.codePoints().filter(c -> c >= 0x20 && c != 0x7f).limit(max).forEach(clean::appendCodePoint);
        String s = clean.toString();
        return s.length() > max ? s.substring(0, max) : s;
    }
}
