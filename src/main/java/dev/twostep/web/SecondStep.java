package dev.twostep.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.AuthenticatorApps;
import dev.twostep.factor.Factor;
import dev.twostep.factor.Factors;
import dev.twostep.factor.RecoveryCodeDao;
import dev.twostep.factor.TotpFactor;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.Http;
import dev.twostep.guard.ReturnTo;
import dev.twostep.guard.SetupOwed;

/**
 * The ways a user at the code step can pass it, the preferred one first, and where a session that passed
 * it goes next: a kind of factor the operator requires and the user lacks ({@code twostep.factors.required}),
 * or the page the user was going to.
 */
public final class SecondStep {
    /** The ways to pass the second step, as the code page's {@code way} parameter names them. */
    public enum Way {
        SMS, VOICE, APP, RECOVERY;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Way> parse(String value) {
            for (Way way : values()) {
                if (way.id().equals(value)) {
                    return Optional.of(way);
                }
            }
            return Optional.empty();
        }

        static Way of(Channel channel) {
            return channel == Channel.SMS ? SMS : VOICE;
        }

        Channel channel() {
            return this == SMS ? Channel.SMS : this == VOICE ? Channel.VOICE : null;
        }
    }

    /**
     * A user's ways in the order offered.
     *
     * @param phone the user's phone, confirmed or being confirmed, or null
     * @param offered every way the user can pass the step now, the preferred first; empty when the user has
     *     nothing to sign in with (enrollment comes next)
     */
    public record Ways(Phone phone, List<Way> offered) {
        public boolean has(Way way) {
            return offered.contains(way);
        }

        /** Whether the phone is being confirmed (enrollment): then only the phone's ways are offered. */
        public boolean confirming() {
            return phone != null && !phone.confirmed();
        }
    }

    private final TwostepConfig config;
    private final PhoneDao phones;
    private final AuthenticatorApps apps;
    private final RecoveryCodeDao recoveryCodes;
    private final Factors factors;

    private SecondStep(ServletContext context) {
        config = Attributes.require(context, TwostepConfig.class);
        phones = Attributes.require(context, PhoneDao.class);
        apps = Attributes.require(context, AuthenticatorApps.class);
        recoveryCodes = Attributes.require(context, RecoveryCodeDao.class);
        factors = Attributes.require(context, Factors.class);
    }

    public static SecondStep of(ServletContext context) {
        return new SecondStep(context);
    }

    /**
     * The user's ways. The first is the channel of the code sent for this sign-in when there is one, else
     * the factor the user signed in with last (an app, or the phone by its own channel).
     *
     * @param verified whether the session passed the second step already (a signed-in user adding a phone)
     * @param sent the channel of the code sent for this sign-in, or null when none was sent
     */
    public Ways ways(String username, boolean verified, Channel sent) {
        Phone phone = phones.find(username).orElse(null);
        List<TotpFactor> confirmedApps = apps.confirmed(username);
        boolean app = !confirmedApps.isEmpty();
        if (phone != null && !phone.confirmed() && !verified && app) {
            // A number typed at enrollment but never confirmed, by a user who then chose an app: not a way in.
            phone = null;
        }
        List<Way> ways = new ArrayList<>();
        if (phone != null) {
            Channel first = sent != null ? sent
                    : config.channels().contains(phone.channel()) ? phone.channel() : phone.channel().other();
            for (Channel c : List.of(first, first.other())) {
                if (config.channels().contains(c)) {
                    ways.add(Way.of(c));
                }
            }
            if (!phone.confirmed()) {
                return new Ways(phone, List.copyOf(ways));
            }
        }
        if (app) {
            if (sent == null && phone != null && factors.preferred(phone, confirmedApps).orElse(null) == Factor.Kind.TOTP) {
                ways.add(0, Way.APP);
            } else {
                ways.add(Way.APP);
            }
        }
        if (recoveryCodes.remaining(username) > 0) {
            ways.add(Way.RECOVERY);
        }
        return new Ways(phone, List.copyOf(ways));
    }

    /**
     * Whether the first code of a sign-in should go out now, by the step before the code page: only when the
     * user's phone is the way offered first (or is being confirmed). A user whose app signed in last is not
     * sent a text message they will not use.
     */
    boolean phoneFirst(String username, Phone phone, boolean verified) {
        if (!phone.confirmed()) {
            // Being confirmed: unless it is a number left unconfirmed by a user who chose an app instead.
            return verified || !apps.hasConfirmed(username);
        }
        return factors.preferred(phone, apps.confirmed(username)).orElse(Factor.Kind.PHONE) == Factor.Kind.PHONE;
    }

    /**
     * The page that sets up the first kind of factor the operator requires and this user lacks, or empty when
     * nothing is owed. Only kinds that can sign in count: a set of recovery codes with none left is owed again.
     */
    public Optional<String> owed(String username) {
        for (TwostepConfig.Required kind : TwostepConfig.Required.values()) {
            if (!config.requiredFactors().contains(kind)) {
                continue;
            }
            boolean has = switch (kind) {
                case PHONE -> phones.find(username).map(Phone::confirmed).orElse(false);
                case TOTP -> apps.hasConfirmed(username);
                case RECOVERY -> recoveryCodes.remaining(username) > 0;
            };
            if (!has) {
                return Optional.of(config.pagesPath() + switch (kind) {
                    case PHONE -> "/enroll";
                    case TOTP -> "/app";
                    case RECOVERY -> "/recovery";
                });
            }
        }
        return Optional.empty();
    }

    /** Where the set-up pages' "Continue" goes: on through what is owed, or where the user was going. */
    public String next(HttpServletRequest request) {
        return SetupOwed.owed(request) ? config.pagesPath() + "/setup"
                : ReturnTo.consume(request.getSession(), config.successUrl());
    }

    /**
     * Answers a request whose session just passed the second step: to a set-up the operator requires and
     * the user lacks (the guard keeps the protected pages closed until it is done), else where the user was
     * going.
     */
    public void passed(HttpServletRequest request, HttpServletResponse response, String username) throws IOException {
        if (!config.requiredFactors().isEmpty() && owed(username).isPresent()) {
            SetupOwed.set(request.getSession());
            Http.seeOther(request, response, config.pagesPath() + "/setup");
            return;
        }
        Http.seeOther(request, response, ReturnTo.consume(request.getSession(), config.successUrl()));
    }
}
