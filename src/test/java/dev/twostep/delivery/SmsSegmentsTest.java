package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Every language's code SMS is one segment: GSM-7 only (160 septets, a character of the extension table
 * counting two), with a 10-digit code, a 20-character app name and the WebOTP line; one character outside
 * GSM-7 would make it UCS-2 (70 characters). And it says how long the code lasts the way people say it.
 */
class SmsSegmentsTest {
    /** GSM 03.38's basic character set, in table order (0x1B, the escape, left out). */
    static final String GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    /** Its extension table: each of these takes an escape and a septet. */
    static final String GSM7_EXTENSION = "\f^{}\\[~]|€";

    static final String CODE = "1234567890";
    static final List<String> APP_NAMES = List.of("Twostep", "Example Company Intl");
    static final String WEB_OTP_HOST = "signin.example-company.com";
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)");
    private static final Pattern LONE_QUOTE = Pattern.compile("(?<!')'(?!')");
    static final List<Locale> LANGUAGES = List.of(Locale.ENGLISH, Locale.GERMAN, Locale.FRENCH, Locale.forLanguageTag("es"));

    /** How a text goes by SMS: its encoding and how many segments. */
    record Segments(boolean gsm7, int count) {
    }

    static Segments segments(String text) {
        boolean gsm7 = text.chars().allMatch(c -> c != 0x1b
                && (GSM7_BASIC.indexOf(c) >= 0 || GSM7_EXTENSION.indexOf(c) >= 0));
        if (gsm7) {
            int septets = text.chars().map(c -> GSM7_EXTENSION.indexOf(c) >= 0 ? 2 : 1).sum();
            if (septets <= 160) {
                return new Segments(true, 1);
            }
            // Segments of 153 septets; an escape and its character are never split across two.
            int count = 1;
            int used = 0;
            for (char c : text.toCharArray()) {
                int size = GSM7_EXTENSION.indexOf(c) >= 0 ? 2 : 1;
                if (used + size > 153) {
                    count++;
                    used = 0;
                }
                used += size;
            }
            return new Segments(true, count);
        }
        if (text.length() <= 70) {
            return new Segments(false, 1);
        }
        // Segments of 67 UTF-16 units; a surrogate pair is never split.
        int count = 1;
        int used = 0;
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            int size = Character.charCount(text.codePointAt(i));
            if (used + size > 67) {
                count++;
                used = 0;
            }
            used += size;
        }
        return new Segments(false, count);
    }

    @Test
    void theCounterFollowsGsm0338() {
        assertEquals(new Segments(true, 1), segments("a".repeat(160)));
        assertEquals(new Segments(true, 2), segments("a".repeat(161)));
        assertEquals(new Segments(true, 2), segments("a".repeat(306)));
        assertEquals(new Segments(true, 3), segments("a".repeat(307)));
        assertEquals(new Segments(true, 1), segments("€".repeat(80)));
        assertEquals(new Segments(true, 2), segments("€".repeat(81)));
        // 152 septets then an extension character: it goes whole into the second segment.
        assertEquals(new Segments(true, 2), segments("a".repeat(152) + "€" + "a".repeat(10)));
        assertEquals(new Segments(true, 1), segments("Drücken Sie: Ç, é, ñ, ü, à, ò, Ä, Ö, Ü, ß, ¿?"));
        assertEquals(new Segments(false, 1), segments("Su código"));
        assertEquals(new Segments(false, 1), segments("ó".repeat(70)));
        assertEquals(new Segments(false, 2), segments("ó".repeat(71)));
        assertEquals(new Segments(false, 1), segments("ç"), "only the capital Ç is in GSM-7");
    }

    @Test
    void everyLanguagesSmsIsOneGsm7Segment() {
        DeliveryTexts texts = new DeliveryTexts(Locale.US);
        List<String> problems = new ArrayList<>();
        for (Locale language : LANGUAGES) {
            for (String app : APP_NAMES) {
                for (Duration life : List.of(Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofSeconds(45),
                        Duration.ofMinutes(1440))) {
                    String body = texts.smsBody(language, app, CODE, life);
                    String withLine = body + "\n\n@" + WEB_OTP_HOST + " #" + CODE;
                    Segments s = segments(withLine);
                    if (!s.gsm7() || s.count() != 1) {
                        problems.add(language + ": " + s + " for " + withLine.length() + " characters: " + withLine);
                    }
                    if (!body.contains(app) || !body.contains(CODE)) {
                        problems.add(language + ": " + body);
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theCodesLifeReadsRight() {
        DeliveryTexts texts = new DeliveryTexts(Locale.US);
        assertEquals("Your Twostep code is 123456. It expires in 10 minutes.",
                texts.smsBody(Locale.ENGLISH, "Twostep", "123456", Duration.ofMinutes(10)));
        assertEquals("Your Twostep code is 123456. It expires in 1 minute.",
                texts.smsBody(Locale.ENGLISH, "Twostep", "123456", Duration.ofSeconds(90)));
        assertEquals("Your Twostep code is 123456. It expires in 30 seconds.",
                texts.smsBody(Locale.ENGLISH, "Twostep", "123456", Duration.ofSeconds(30)));
        assertEquals("Your Twostep code is 123456. It expires in 1 second.",
                texts.smsBody(Locale.ENGLISH, "Twostep", "123456", Duration.ofMillis(400)));
        assertEquals("Ihr Code für Twostep lautet 123456. Er ist 1 Minute gültig.",
                texts.smsBody(Locale.GERMAN, "Twostep", "123456", Duration.ofMinutes(1)));
        assertEquals("Ihr Code für Twostep lautet 123456. Er ist 45 Sekunden gültig.",
                texts.smsBody(Locale.GERMAN, "Twostep", "123456", Duration.ofSeconds(45)));
        assertEquals("Votre code Twostep est 123456. Il expire dans 1 minute.",
                texts.smsBody(Locale.FRENCH, "Twostep", "123456", Duration.ofMinutes(1)));
        assertEquals("Votre code Twostep est 123456. Il expire dans 20 secondes.",
                texts.smsBody(Locale.FRENCH, "Twostep", "123456", Duration.ofSeconds(20)));
        assertEquals("Su clave de Twostep es 123456. Caduca en 1 minuto.",
                texts.smsBody(Locale.forLanguageTag("es"), "Twostep", "123456", Duration.ofMinutes(1)));
        assertEquals("Su clave de Twostep es 123456. Caduca en 1440 minutos.",
                texts.smsBody(Locale.forLanguageTag("es"), "Twostep", "123456", Duration.ofDays(1)));
    }

    /** Each language has every SMS and voice text, with the same arguments; all go through MessageFormat. */
    @Test
    void everyLanguageHasEveryText() throws Exception {
        Properties base = texts("");
        List<String> problems = new ArrayList<>();
        for (Locale language : LANGUAGES) {
            Properties texts = language.equals(Locale.ENGLISH) ? base : texts("_" + language);
            if (!texts.keySet().equals(base.keySet())) {
                problems.add(language + " has " + new TreeSet<>(texts.keySet()) + ", English "
                        + new TreeSet<>(base.keySet()));
            }
            for (String key : texts.stringPropertyNames()) {
                String pattern = texts.getProperty(key);
                if (LONE_QUOTE.matcher(pattern).find()) {
                    problems.add(language + " " + key + ": write '' for an apostrophe");
                }
                if (base.getProperty(key) != null && !arguments(pattern).equals(arguments(base.getProperty(key)))) {
                    problems.add(language + " " + key + ": arguments " + arguments(pattern));
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static Properties texts(String suffix) throws IOException {
        Properties p = new Properties();
        try (var in = SmsSegmentsTest.class.getResourceAsStream("texts" + suffix + ".properties")) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
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
    void theWebOtpLineIsOnlyForHttpsOnTheDefaultPort() {
        assertEquals("auth.example.com", TwilioSenders.webOtpHost(URI.create("https://auth.example.com")));
        assertEquals("auth.example.com", TwilioSenders.webOtpHost(URI.create("https://auth.example.com:443")));
        assertNull(TwilioSenders.webOtpHost(URI.create("https://auth.example.com:8443")));
        assertNull(TwilioSenders.webOtpHost(URI.create("http://auth.example.com")));
        assertNull(TwilioSenders.webOtpHost(null));
    }
}
