package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.twostep.db.Jdbc;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;

/**
 * Reads all of a user's second factors, of every kind, for the security page and the second step: the
 * phone through {@link PhoneDao} (its table is the one Twostep always had), the apps and the recovery codes
 * through their DAOs. Only what can sign in counts: a phone or an app not yet confirmed is left out.
 */
public final class Factors {
    /**
     * The phone's last use: the last code accepted that was sent to its number to sign in, the one that
     * confirmed it at enrollment included (it signed in too).
     */
    private static final String PHONE_LAST_USED = "SELECT MAX(consumed_at) AS last_used FROM challenges"
            + " WHERE username = ? AND destination = ? AND purpose IN ('LOGIN', 'ENROLL')";

    /** Takes the user's phone and app rows for the rest of the transaction, so removals of one user queue up. */
    private static final String HOLD_PHONE = "UPDATE phones SET updated_at = updated_at WHERE username = ?";
    private static final String HOLD_APPS = "UPDATE totp_factors SET label = label WHERE username = ?";
    private static final String SIGN_IN_FACTORS = "SELECT (SELECT COUNT(*) FROM phones WHERE username = ?"
            + " AND confirmed_at IS NOT NULL) + (SELECT COUNT(*) FROM totp_factors WHERE username = ?"
            + " AND confirmed_at IS NOT NULL)";
    private static final String DELETE_PHONE = "DELETE FROM phones WHERE username = ? AND phone_e164 = ?"
            + " AND confirmed_at IS NOT NULL";
    private static final String DELETE_APP = "DELETE FROM totp_factors WHERE id = ? AND username = ?"
            + " AND confirmed_at IS NOT NULL";

    private static final String DELETE_ANY_PHONE = "DELETE FROM phones WHERE username = ?";
    private static final String DELETE_APPS = "DELETE FROM totp_factors WHERE username = ?";
    private static final String DELETE_RECOVERY_CODES = "DELETE FROM recovery_codes WHERE username = ?";
    /** Codes sent and not used yet: a reset makes them worthless, wherever they went. */
    private static final String REVOKE_OPEN_CODES = "UPDATE challenges SET revoked_at = ? WHERE username = ?"
            + " AND consumed_at IS NULL AND revoked_at IS NULL";

    /** What an operator's reset removes. */
    public enum Reset {
        /** The phone (confirmed or not); the apps and recovery codes stay. */
        PHONE,
        /** Every factor: the phone, every app, the recovery codes. */
        ALL
    }

    /** What a removal did. */
    public enum Removal {
        REMOVED,
        /** Nothing of that id or number is the user's (any more). */
        GONE,
        /** Refused: it is the user's last phone or app. */
        LAST
    }

    private final Jdbc jdbc;
    private final PhoneDao phones;
    private final TotpFactorDao apps;
    private final RecoveryCodeDao recoveryCodes;

    public Factors(Jdbc jdbc, PhoneDao phones, TotpFactorDao apps, RecoveryCodeDao recoveryCodes) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
        this.phones = Objects.requireNonNull(phones, "phones");
        this.apps = Objects.requireNonNull(apps, "apps");
        this.recoveryCodes = Objects.requireNonNull(recoveryCodes, "recoveryCodes");
    }

    /**
     * The user's factors: the phone first (today's default), then the apps in the order they were added, then
     * the recovery codes (listed even when all are used, so the page can offer new ones).
     */
    public List<Factor> list(String username) {
        List<Factor> out = new ArrayList<>();
        phones.find(username).filter(Phone::confirmed)
                .ifPresent(phone -> out.add(new Factor.PhoneFactor(phone, phoneLastUsed(phone))));
        for (TotpFactor app : apps.list(username)) {
            if (app.confirmed()) {
                out.add(new Factor.AppFactor(app));
            }
        }
        recoveryCodes.summary(username).ifPresent(s -> out.add(
                new Factor.RecoveryCodesFactor(username, s.total(), s.remaining(), s.createdAt(), s.lastUsedAt())));
        return List.copyOf(out);
    }

    /** Whether the user has a factor to sign in with: one that {@link #list} gives and, for codes, one left. */
    public boolean hasUsable(String username) {
        return list(username).stream()
                .anyMatch(f -> !(f instanceof Factor.RecoveryCodesFactor codes) || codes.usable());
    }

    /**
     * The factor the second step offers first: the phone or an authenticator app, whichever signed in last
     * (the phone on a tie or when neither has yet), or the one the user has; empty when the user has neither
     * (enrollment comes next). Reads from the user's phone and confirmed apps as the caller read them already:
     * only a user with both costs a query (the phone's last use).
     *
     * @param phone the user's phone, or null; one not confirmed does not count
     */
    public Optional<Factor.Kind> preferred(Phone phone, List<TotpFactor> confirmedApps) {
        boolean hasPhone = phone != null && phone.confirmed();
        if (confirmedApps.isEmpty()) {
            return hasPhone ? Optional.of(Factor.Kind.PHONE) : Optional.empty();
        }
        if (!hasPhone) {
            return Optional.of(Factor.Kind.TOTP);
        }
        long appUsed = confirmedApps.stream()
                .mapToLong(t -> t.lastUsedAt() == null ? t.confirmedAt() : t.lastUsedAt()).max().orElseThrow();
        Long phoneUsed = phoneLastUsed(phone);
        long phoneAt = phoneUsed == null ? phone.confirmedAt() : phoneUsed;
        return Optional.of(appUsed > phoneAt ? Factor.Kind.TOTP : Factor.Kind.PHONE);
    }

    /** Removes the user's confirmed phone of this number, unless it is their last phone or app. */
    public Removal removePhone(String username, String e164) {
        return removeKeepingOne(username, DELETE_PHONE, params(username, e164));
    }

    /** Removes one of the user's confirmed apps, unless it is their last phone or app. */
    public Removal removeApp(String username, long id) {
        return removeKeepingOne(username, DELETE_APP, params(id, username));
    }

    /**
     * An operator's reset for a user who lost a factor: no last-factor rule (a user left with none enrolls
     * again at the next sign-in), in one transaction with the codes already sent to the user made worthless.
     *
     * @return how many factor rows went (a phone, each app, each recovery code)
     */
    public int reset(String username, Reset what, long now) {
        return jdbc.inTransaction("resetting factors", c -> {
            int removed = Jdbc.update(c, DELETE_ANY_PHONE, params(username));
            if (what == Reset.ALL) {
                removed += Jdbc.update(c, DELETE_APPS, params(username));
                removed += Jdbc.update(c, DELETE_RECOVERY_CODES, params(username));
            }
            Jdbc.update(c, REVOKE_OPEN_CODES, params(now, username));
            return removed;
        });
    }

    /**
     * The last-factor rule, held under concurrency: in one transaction, first every phone and app row of the
     * user is written to (a no-op that takes their row locks on PostgreSQL and the write lock on SQLite), so
     * two removals of the same user run one after the other; then the count, then the delete. Two removals at
     * once of a user's two factors leave one, never none.
     */
    private Removal removeKeepingOne(String username, String delete, Jdbc.Binder binder) {
        return jdbc.inTransaction("removing a factor", c -> {
            Jdbc.update(c, HOLD_PHONE, params(username));
            Jdbc.update(c, HOLD_APPS, params(username));
            long factors;
            try (java.sql.PreparedStatement ps = c.prepareStatement(SIGN_IN_FACTORS)) {
                params(username, username).bind(ps);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    factors = rs.getLong(1);
                }
            }
            if (factors <= 1) {
                return Removal.LAST;
            }
            return Jdbc.update(c, delete, binder) == 1 ? Removal.REMOVED : Removal.GONE;
        });
    }

    private Long phoneLastUsed(Phone phone) {
        return jdbc.queryOne("reading a phone's last use", PHONE_LAST_USED, params(phone.username(), phone.e164()),
                rs -> Rows.nullableLong(rs, "last_used")).orElse(null);
    }
}
