package dev.twostep.delivery;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

import com.twilio.twiml.voice.Say;

/**
 * The words of an SMS or a call, in the user's language when Twostep has it (English, German, French,
 * Spanish), otherwise in the configured default language. The voice's language follows the text's.
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
