package dev.twostep.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.MessageFormat;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PropertyResourceBundle;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import dev.twostep.config.ConfigException;

/**
 * The texts of Twostep's pages: its own bundle {@value #BUNDLE} (English in the base file, one file per
 * further language), under an optional bundle of the host app ({@value #SETTING}). For a key, the most
 * specific language wins first (de_CH, then de, then the base file); within one language the host's file
 * wins over Twostep's. So a host's {@code _de} file overrides the German text, and a key only in the host's
 * base file shows for languages that have no text of their own for it. Files are read as UTF-8 (ISO-8859-1
 * when they are not valid UTF-8, as {@link PropertyResourceBundle} does).
 */
final class Messages {
    static final String BUNDLE = "dev.twostep.web.messages";
    static final String SETTING = "twostep.messages";
    private static final ResourceBundle.Control CANDIDATES =
            ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

    /** One bundle family: a base name and the loader that finds its files. */
    private record Family(String base, ClassLoader loader, Map<Locale, Optional<ResourceBundle>> files) {
        Family(String base, ClassLoader loader) {
            this(base, loader, new ConcurrentHashMap<>());
        }

        /** Exactly this locale's file (no fallback), or empty. */
        Optional<ResourceBundle> file(Locale locale) {
            return files.computeIfAbsent(locale, this::load);
        }

        private Optional<ResourceBundle> load(Locale locale) {
            String name = resource(locale);
            try (InputStream in = loader.getResourceAsStream(name)) {
                return in == null ? Optional.empty() : Optional.of(new PropertyResourceBundle(in));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + name, e);
            }
        }

        String resource(Locale locale) {
            String suffix = locale.equals(Locale.ROOT) ? "" : "_" + locale;
            return base.replace('.', '/') + suffix + ".properties";
        }
    }

    private final List<Family> families;

    private Messages(List<Family> families) {
        this.families = families;
    }

    /** Twostep's own texts only. */
    static Messages builtIn() {
        return new Messages(List.of(new Family(BUNDLE, Messages.class.getClassLoader())));
    }

    /**
     * Twostep's texts under the host's bundle.
     *
     * @param hostBundle the base name of the host's bundle, such as {@code com.example.twostep}; null for none
     * @param hostLoader where the host's files are (the web app's class loader)
     */
    static Messages with(String hostBundle, ClassLoader hostLoader) {
        if (hostBundle == null) {
            return builtIn();
        }
        if (!hostBundle.matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*")) {
            throw new ConfigException(SETTING, "must be a bundle base name such as com.example.twostep (the files are"
                    + " com/example/twostep.properties, com/example/twostep_de.properties ...), got '" + hostBundle + "'");
        }
        Family host = new Family(hostBundle, hostLoader);
        Messages messages = new Messages(List.of(host, new Family(BUNDLE, Messages.class.getClassLoader())));
        if (host.file(Locale.ROOT).isEmpty() && messages.languagesOf(host).isEmpty()) {
            throw new ConfigException(SETTING, "names " + hostBundle + ", but neither " + host.resource(Locale.ROOT)
                    + " nor a file for a language (" + host.resource(Locale.GERMAN) + " ...) is on this app's class path");
        }
        return messages;
    }

    /**
     * The languages there are texts for: English (the base files) and each language for which Twostep or the
     * host has a file, as language tags (de, fr, pt-BR), sorted.
     */
    Set<String> languages() {
        Set<String> tags = new TreeSet<>();
        tags.add("en");
        for (Family family : families) {
            tags.addAll(languagesOf(family));
        }
        return Collections.unmodifiableSet(tags);
    }

    private Set<String> languagesOf(Family family) {
        Set<String> tags = new TreeSet<>();
        for (Locale locale : Locale.getAvailableLocales()) {
            if (!locale.getLanguage().isEmpty() && locale.getVariant().isEmpty() && locale.getScript().isEmpty()
                    && family.file(locale).isPresent()) {
                tags.add(locale.toLanguageTag());
            }
        }
        return tags;
    }

    /** The pattern for a key in this language, or null when no file has the key. */
    String pattern(Locale locale, String key) {
        for (Locale candidate : CANDIDATES.getCandidateLocales(BUNDLE, locale == null ? Locale.ROOT : locale)) {
            for (Family family : families) {
                Optional<ResourceBundle> file = family.file(candidate);
                if (file.isPresent() && file.get().containsKey(key)) {
                    return file.get().getString(key);
                }
            }
        }
        return null;
    }

    /**
     * The message for a key, formatted with MessageFormat when there are arguments (so a pattern with
     * arguments doubles its apostrophes, one without keeps them single); null when no file has the key.
     */
    String format(Locale locale, String key, Object... args) {
        String pattern = pattern(locale, key);
        if (pattern == null) {
            return null;
        }
        try {
            return args == null || args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
        } catch (IllegalArgumentException e) {
            // A broken pattern (MessagesTest keeps Twostep's out; a host's may have one) shows as written.
            return pattern;
        }
    }
}
