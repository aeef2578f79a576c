package dev.twostep.audit;

import java.time.Duration;

import dev.twostep.config.Settings;

/**
 * How long Twostep keeps what it records, applied by the server itself (at start-up, then hourly).
 *
 * @param challenges how long the rows of sent codes are kept: they hold the full phone number each code
 *        went to ({@code twostep.retention.challenges-days}, default 30)
 * @param audit how long the audit trail is kept ({@code twostep.retention.audit-days}, default 180); events
 *        in {@link AuditLog#KEPT_FOREVER} (enrollment and phone changes) are kept whatever the setting
 */
public record Retention(Duration challenges, Duration audit) {
    public static final int DEFAULT_CHALLENGES_DAYS = 30;
    public static final int DEFAULT_AUDIT_DAYS = 180;

    /** Reads the two settings; a value outside 1 to 36500 days stops start-up naming the setting. */
    public static Retention from(Settings s) {
        return new Retention(
                Duration.ofDays(s.getInt("twostep.retention.challenges-days", DEFAULT_CHALLENGES_DAYS, 1, 36500)),
                Duration.ofDays(s.getInt("twostep.retention.audit-days", DEFAULT_AUDIT_DAYS, 1, 36500)));
    }
}
