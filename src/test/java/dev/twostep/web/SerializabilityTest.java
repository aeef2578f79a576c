package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.twostep.delivery.Channel;
import dev.twostep.guard.GuardState;

/**
 * What Twostep keeps in the HttpSession survives serialization (containers persist sessions across restarts,
 * and a session store shared by several servers moves them between nodes), and stays small. Every place in
 * src/main/java that puts something in a session is listed here with a value of the type it puts there, and
 * a place not listed fails the test, so a new session attribute cannot skip the round trip.
 */
class SerializabilityTest {
    /** A user name as long as any a sign-in accepts (GuardSession refuses longer ones). */
    private static final String LONGEST_NAME = "u".repeat(255);

    /** The session attributes Twostep sets: "Class ATTRIBUTE" (where it is set, as written there) to a value. */
    private static Map<String, Object> attributes() throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("GuardSession STATE", new GuardState("alice@example.com", GuardState.Step.PASSWORD, 42L,
                1_700_000_000_000L, 1_699_999_999_000L, 0L));
        values.put("GuardSession CARRIED", "alice");
        values.put("SignOutCheck STANDING", 1_700_000_000_000L);
        values.put("SignOutCheck CHECKED", 1_700_000_000_000L);
        values.put("CsrfTokens ATTRIBUTE", "k3Jr0pZbW1m9nq3x0lCqJ6mC8vQ2u5rQy5b7wOeJ4xM");
        values.put("SetupOwed ATTRIBUTE", Boolean.TRUE);
        values.put("ReturnTo ATTRIBUTE", "/account/settings?tab=security");
        values.put("CodeSending FLASH", new CodeSending.Outcome(false, 429, "code.error.limit.sends",
                new Serializable[] {3L}, 180));
        values.put("SecurityServlet FLASH", "security.notice.removed");
        values.put("AuthenticatorServlet PENDING", 8_123_456_789L);
        values.put("Flash ATTRIBUTE", "signed-out");
        values.put("CodeServlet RecoveryCodesServlet.USED_FLASH", 9);
        values.put("PhoneChangeServlet PASSWORD_TRIES", 2);
        values.put("PhoneChangeServlet PENDING", phoneChangePending(77L, "+14155552671", Channel.VOICE));
        return values;
    }

    /** PhoneChangeServlet.Pending is the standalone app's own, package-private record. */
    private static Object phoneChangePending(long id, String e164, Channel channel) throws Exception {
        Class<?> type = Class.forName("dev.twostep.app.PhoneChangeServlet$Pending");
        Constructor<?> make = type.getDeclaredConstructor(long.class, String.class, Channel.class);
        make.setAccessible(true);
        return make.newInstance(id, e164, channel);
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value, int maxBytes) throws Exception {
        byte[] bytes = serialize(value);
        System.out.println("Session attribute " + value.getClass().getName() + ": " + bytes.length + " bytes");
        assertTrue(bytes.length <= maxBytes, value + " takes " + bytes.length + " bytes, more than " + maxBytes);
        return (T) deserialize(bytes);
    }

    @Test
    void everySessionAttributeIsListedHere() throws Exception {
        Pattern set = Pattern.compile("(session|getSession\\([a-z]*\\))\\.setAttribute\\(\\s*([\\w.]+)\\s*,");
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = set.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(file.getFileName().toString().replace(".java", "") + " " + m.group(2));
                }
            }
        }
        assertTrue(found.size() > 10, "the scan found too few to be right: " + found);
        assertEquals(new TreeSet<>(attributes().keySet()), found,
                "every session attribute needs a value here, of the type its class puts in the session");
    }

    @Test
    void everySessionAttributeRoundTripsAndIsSmall() throws Exception {
        for (Map.Entry<String, Object> e : attributes().entrySet()) {
            Object value = e.getValue();
            assertTrue(value instanceof Serializable, e.getKey() + " is not Serializable: " + value.getClass());
            Object back = roundTrip(value, 600);
            if (value instanceof CodeSending.Outcome outcome) {
                // A record with an array: equals compares the array by identity.
                CodeSending.Outcome o = (CodeSending.Outcome) back;
                assertEquals(List.of(outcome.sent(), outcome.status(), outcome.key(), outcome.retryAfterSeconds()),
                        List.of(o.sent(), o.status(), o.key(), o.retryAfterSeconds()), e.getKey());
                assertArrayEquals(outcome.args(), o.args(), e.getKey());
            } else {
                assertEquals(value, back, e.getKey());
            }
        }
    }

    @Test
    void theGuardStateIsSmall() throws Exception {
        GuardState state = new GuardState("alice@example.com", GuardState.Step.VERIFIED, 42L, 1_700_000_000_000L,
                1_699_999_999_000L, 1_700_000_000_500L);
        assertEquals(state, roundTrip(state, 512));
        GuardState longest = new GuardState(LONGEST_NAME, GuardState.Step.PASSWORD, Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(longest, roundTrip(longest, 512 + LONGEST_NAME.length()),
                "only the name grows it, by its length");
    }
}
