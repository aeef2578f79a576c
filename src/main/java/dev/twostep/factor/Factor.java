package dev.twostep.factor;

import java.util.Objects;

import dev.twostep.enroll.Phone;

/**
 * One of a user's second factors, whatever its kind, as the security page and the second step list them:
 * a phone (from the phones table, unchanged), an authenticator app, or a set of recovery codes. Dates are
 * epoch milliseconds; {@link #lastUsedAt()} is null when the factor has not signed in yet (or not within
 * what the server still keeps, for a phone).
 */
public sealed interface Factor {
    /** The kinds of factor, in the order {@link Factors#list} gives them. */
    enum Kind { PHONE, TOTP, RECOVERY_CODES }

    Kind kind();

    String username();

    /** When it became usable: the phone or app was confirmed, the codes were made. */
    long addedAt();

    Long lastUsedAt();

    /**
     * The user's confirmed phone, texted or called as its channel says.
     *
     * @param lastUsedAt the last sign-in code accepted from this number, as long as the challenges table keeps
     *     it (twostep.retention.challenges-days)
     */
    record PhoneFactor(Phone phone, Long lastUsedAt) implements Factor {
        public PhoneFactor {
            Objects.requireNonNull(phone, "phone");
            if (!phone.confirmed()) {
                throw new IllegalArgumentException("an unconfirmed phone is not a factor");
            }
        }

        @Override
        public Kind kind() {
            return Kind.PHONE;
        }

        @Override
        public String username() {
            return phone.username();
        }

        @Override
        public long addedAt() {
            return phone.confirmedAt();
        }
    }

    /** A confirmed authenticator app. */
    record AppFactor(TotpFactor app) implements Factor {
        public AppFactor {
            Objects.requireNonNull(app, "app");
            if (!app.confirmed()) {
                throw new IllegalArgumentException("an unconfirmed app is not a factor");
            }
        }

        @Override
        public Kind kind() {
            return Kind.TOTP;
        }

        @Override
        public String username() {
            return app.username();
        }

        @Override
        public long addedAt() {
            return app.confirmedAt();
        }

        @Override
        public Long lastUsedAt() {
            return app.lastUsedAt();
        }

        public long id() {
            return app.id();
        }

        public String label() {
            return app.label();
        }
    }

    /**
     * The user's set of recovery codes.
     *
     * @param remaining unused codes left; a set with none left is listed still, so the page can say so
     */
    record RecoveryCodesFactor(String username, int total, int remaining, long addedAt, Long lastUsedAt)
            implements Factor {
        @Override
        public Kind kind() {
            return Kind.RECOVERY_CODES;
        }

        /** Whether a code is left to sign in with. */
        public boolean usable() {
            return remaining > 0;
        }
    }
}
