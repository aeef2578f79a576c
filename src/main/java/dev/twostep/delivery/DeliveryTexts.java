package dev.twostep.delivery;

import java.text.MessageFormat;
import java.time.Duration;
import java.util.Locale;
import java.util.ResourceBundle;

import com.twilio.twiml.voice.Say;

/**
 * The words of an SMS or a call, in the user's language when Twostep has it (English, German, French,
 * Spanish), otherwise in the configured default language. The voice's language follows the text's. The
 * user's language is the one their pages were in when the code was asked for. Each SMS text keeps to
 * GSM-7, so it stays one segment.
 */
public final class DeliveryTexts {
    private static final String BUNDLE = "dev.twostep.delivery.texts";
    private static final ResourceBundle.Control CONTROL =
            ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

    private final Locale fallback;

    /** @param fallback the language for users whose language Twostep does not have, e.g. en-US */
    public DeliveryTexts(Locale fallback) {
        this.fallback = fallback;
    }

    /** The language the texts will be in for this user: theirs if translated, else the fallback. */
    public Locale localeFor(Locale user) {
        if (user != null && !user.getLanguage().isEmpty() && translated(user)) {
            return user;
        }
        return fallback;
    }

    private static boolean translated(Locale locale) {
        if ("en".equals(locale.getLanguage())) {
            return true;
        }
        return locale.getLanguage().equals(bundle(locale).getLocale().getLanguage());
    }

    private static ResourceBundle bundle(Locale locale) {
        return ResourceBundle.getBundle(BUNDLE, locale, DeliveryTexts.class.getClassLoader(), CONTROL);
    }

    public String text(Locale user, String key, Object... args) {
        Locale locale = localeFor(user);
        return new MessageFormat(bundle(locale).getString(key), locale).format(args);
    }

    /**
     * The SMS with a code, without the WebOTP line: "Your Acme code is 123456. It expires in 10 minutes."
     *
     * @param validFor how long the code stays valid: said in whole minutes, rounded down so it never says
     *                 more than is left, or in seconds under a minute
     */
    public String smsBody(Locale user, String appName, String code, Duration validFor) {
        return text(user, "sms.body", appName, code, duration(user, validFor));
    }

    /** A code's life as the SMS says it: "10 minutes", "1 minute", "30 seconds". */
    String duration(Locale user, Duration validFor) {
        long seconds = Math.max(1, validFor.toSeconds());
        long amount = seconds < 60 ? seconds : seconds / 60;
        // The number twice: for the choice, and as plain digits ("1440", never "1.440").
        return text(user, seconds < 60 ? "duration.seconds" : "duration.minutes", amount, Long.toString(amount));
    }

    /**
     * Twilio's voice language for this user: the exact language and region when Twilio has it, else the
     * first region of the language, else English (US).
     */
    public Say.Language voiceLanguage(Locale user) {
        Locale locale = localeFor(user);
        String tag = locale.toLanguageTag();
        Say.Language sameLanguage = null;
        for (Say.Language candidate : Say.Language.values()) {
            String value = candidate.toString();
            if (value.equalsIgnoreCase(tag)) {
                return candidate;
            }
            if (sameLanguage == null && value.toLowerCase(Locale.ROOT).startsWith(locale.getLanguage() + "-")) {
                sameLanguage = candidate;
            }
        }
        return sameLanguage != null ? sameLanguage : Say.Language.EN_US;
    }
}
