package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PropertyResourceBundle;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.twostep.audit.AuditLog;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.PhoneNumbers;

/**
 * Every language has every text: the same keys as the English base file, the same arguments, patterns that
 * MessageFormat reads, apostrophes written as the resolver needs them, and a key for every name the code
 * builds from an enum.
 */
class MessagesTest {
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)");
    /** A single apostrophe, which MessageFormat would take for the start of a quote. */
    private static final Pattern LONE_QUOTE = Pattern.compile("(?<!')'(?!')");

    private static ResourceBundle file(Locale locale) {
        String name = "dev/twostep/web/messages" + (locale.equals(Locale.ROOT) ? "" : "_" + locale) + ".properties";
        try (InputStream in = MessagesTest.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, name + " is missing");
            return new PropertyResourceBundle(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Locale> translations() {
        return Messages.builtIn().languages().stream().filter(t -> !t.equals("en")).map(Locale::forLanguageTag)
                .toList();
    }

    private static Set<String> arguments(String pattern) {
        Set<String> found = new TreeSet<>();
        Matcher m = ARGUMENT.matcher(pattern);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void germanFrenchAndSpanishAreThereAtLeast() {
        assertTrue(Messages.builtIn().languages().containsAll(List.of("de", "en", "es", "fr")),
                Messages.builtIn().languages().toString());
    }

    @Test
    void everyLanguageHasExactlyTheKeysOfTheBaseFile() {
        Set<String> base = file(Locale.ROOT).keySet();
        List<String> problems = new ArrayList<>();
        for (Locale locale : translations()) {
            Set<String> keys = file(locale).keySet();
            base.stream().filter(k -> !keys.contains(k)).sorted()
                    .forEach(k -> problems.add(locale + " lacks " + k));
            keys.stream().filter(k -> !base.contains(k)).sorted()
                    .forEach(k -> problems.add(locale + " has " + k + ", which the base file lacks"));
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyTranslationTakesTheSameArgumentsAndFormats() {
        ResourceBundle base = file(Locale.ROOT);
        List<String> problems = new ArrayList<>();
        for (Locale locale : translations()) {
            ResourceBundle translated = file(locale);
            for (String key : translated.keySet()) {
                String pattern = translated.getString(key);
                if (base.containsKey(key) && !arguments(base.getString(key)).equals(arguments(pattern))) {
                    problems.add(locale + " " + key + ": arguments " + arguments(pattern) + ", base file "
                            + arguments(base.getString(key)));
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * The resolver formats a text with MessageFormat only when it gets arguments: there an apostrophe is
     * written '' (a single one would quote the rest away); in a text without arguments it stays single.
     */
    @Test
    void apostrophesAreWrittenAsTheResolverReadsThem() {
        List<String> problems = new ArrayList<>();
        List<Locale> all = new ArrayList<>(translations());
        all.add(0, Locale.ROOT);
        for (Locale locale : all) {
            ResourceBundle file = file(locale);
            for (String key : new TreeSet<>(file.keySet())) {
                String pattern = file.getString(key);
                boolean formatted = !arguments(pattern).isEmpty();
                if (formatted && LONE_QUOTE.matcher(pattern).find()) {
                    problems.add(locale + " " + key + ": has arguments, so write '' for an apostrophe");
                }
                if (!formatted && pattern.contains("''")) {
                    problems.add(locale + " " + key + ": has no arguments, so write ' once");
                }
                if (formatted) {
                    for (int n : new int[] {0, 1, 2, 5, 30}) {
                        String shown = new MessageFormat(pattern, locale).format(new Object[] {n, n, n});
                        if (shown.contains("{") || shown.contains("''")) {
                            problems.add(locale + " " + key + " shows '" + shown + "'");
                        }
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void choicesReadRightForOneAndMany() {
        Messages messages = Messages.builtIn();
        assertEquals("Dieser Code ist nicht richtig. Sie haben noch einen Versuch für diesen Code.",
                messages.format(Locale.GERMAN, "code.error.wrong", 1));
        assertEquals("Ce code est incorrect. Il reste 3 essais pour ce code.",
                messages.format(Locale.FRENCH, "code.error.wrong", 3));
        assertEquals("Le queda un código de recuperación.",
                messages.format(Locale.forLanguageTag("es"), "recovery.remaining", 1));
        assertEquals("Le numéro de téléphone de votre compte Twostep vient d'être remplacé par un numéro se"
                        + " terminant par 71. Si ce n'était pas vous, contactez immédiatement votre administrateur.",
                messages.format(Locale.FRENCH, "phone.notice", "Twostep", "71"));
        assertEquals("M'appeler plutôt", messages.format(Locale.FRENCH, "code.switch.voice"));
    }

    /** The files are UTF-8, and an umlaut comes out as one. */
    @Test
    void filesAreReadAsUtf8() {
        assertEquals("Einige Angaben müssen geändert werden. Es wurde nichts gespeichert.",
                Messages.builtIn().format(Locale.GERMAN, "register.error.summary"));
        assertEquals("Contraseña", Messages.builtIn().format(Locale.forLanguageTag("es"), "field.password"));
    }

    @Test
    void aRegionalLocaleFindsItsLanguageAndAnUnknownOneEnglish() {
        assertEquals("Anmelden", Messages.builtIn().format(Locale.forLanguageTag("de-AT"), "login.title"));
        assertEquals("Sign in", Messages.builtIn().format(Locale.JAPANESE, "login.title"));
    }

    /** The keys the code builds from enum names and statuses: each must exist in the base file. */
    @Test
    void everyKeyBuiltFromAnEnumExists() {
        List<String> keys = new ArrayList<>();
        for (AuditLog.Event event : AuditLog.Event.values()) {
            keys.add("audit." + event.name());
        }
        for (PhoneNumbers.Problem problem : PhoneNumbers.Problem.values()) {
            keys.add("register.error.phone." + problem.name().toLowerCase(Locale.ROOT));
        }
        for (Channel channel : Channel.values()) {
            String c = CodeSending.name(channel);
            for (String family : List.of("code.sent.", "code.resent.", "code.sent.uncertain.", "code.error.notDelivered.",
                    "code.where.", "code.ready.", "code.send.", "code.switch.", "code.another.sent.", "channel.",
                    "account.phone.", "security.phone.")) {
                keys.add(family + c);
            }
        }
        for (SecondStep.Way way : SecondStep.Way.values()) {
            if (way.channel() == null) {
                keys.add("code.another." + way.id());
            }
        }
        for (int status : ErrorServlet.KNOWN) {
            keys.add("error." + status);
        }
        Set<String> base = file(Locale.ROOT).keySet();
        List<String> missing = keys.stream().filter(k -> !base.contains(k)).toList();
        assertTrue(missing.isEmpty(), "no text for " + missing);
    }

    /** Every #{key} a template names is in the base file. */
    @Test
    void everyKeyATemplateNamesExists() throws IOException {
        Pattern key = Pattern.compile("#\\{([A-Za-z0-9_.]+)");
        Set<String> base = file(Locale.ROOT).keySet();
        List<String> missing = new ArrayList<>();
        try (Stream<Path> templates = Files.list(Path.of("src/main/resources/dev/twostep/web/templates"))) {
            for (Path template : templates.toList()) {
                Matcher m = key.matcher(Files.readString(template));
                while (m.find()) {
                    if (!base.contains(m.group(1))) {
                        missing.add(template.getFileName() + ": " + m.group(1));
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "no text for " + missing);
    }
}
