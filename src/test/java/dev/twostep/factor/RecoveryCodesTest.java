package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecoveryCodesTest {
    private static final byte[] SERVER_SECRET = "secret-of-server-a-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final RecoveryCodes CODES = new RecoveryCodes(SERVER_SECRET);

    @Test
    void aSetIsTenCodesOfTenCharactersShownAsTwoGroups() {
        List<String> set = CODES.generate();
        assertEquals(10, set.size());
        assertEquals(10, new HashSet<>(set).size());
        for (String code : set) {
            assertTrue(code.matches("[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}"), code);
            assertEquals(Optional.of(code.replace("-", "")), RecoveryCodes.normalise(code));
        }
    }

    @Test
    void theAlphabetHasThirtyTwoLettersAndNoLookAlikes() {
        assertEquals(32, RecoveryCodes.ALPHABET.length());
        assertEquals(32, RecoveryCodes.ALPHABET.chars().distinct().count());
        for (char c : "ilou".toCharArray()) {
            assertEquals(-1, RecoveryCodes.ALPHABET.indexOf(c));
        }
        // 10 characters of 5 bits each.
        assertEquals(RecoveryCodes.BITS, RecoveryCodes.LENGTH * Integer.numberOfTrailingZeros(RecoveryCodes.ALPHABET.length()));
    }

    @Test
    void codesDoNotRepeatAcrossManySets() {
        Set<String> seen = new HashSet<>();
        Map<Character, Integer> counts = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            for (String code : CODES.generate()) {
                assertTrue(seen.add(code), code);
                for (char c : code.replace("-", "").toCharArray()) {
                    counts.merge(c, 1, Integer::sum);
                }
            }
        }
        // 100 000 characters: every letter of the alphabet turns up, near 3125 times each.
        assertEquals(32, counts.size());
        counts.values().forEach(n -> assertTrue(n > 2700 && n < 3550, counts.toString()));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"abcde-fgh12", "ABCDE-FGH12", "abcdefgh12", " abcde fgh12 ", "ab-cd-ef-gh-12",
        "abcde\u2013fgh12", "abcde\u2014fgh12", "abcde\u00a0fgh12", "abcde-fghl2", "abcde-fghI2", "ABCDE\tFGH12\n"})
    void typedFormsNormaliseToOneCode(String typed) {
        assertEquals(Optional.of("abcdefgh12"), RecoveryCodes.normalise(typed));
    }

    @Test
    void oReadsAsZero() {
        assertEquals(Optional.of("00000-11111".replace("-", "")), RecoveryCodes.normalise("oOoO0-iIlL1"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "abcde-fgh1", "abcde-fgh123", "abcde-fghu2", "abcde_fgh12", "abcde.fgh12",
        "abcde-fgh1\u0661", "ábcde-fgh12", "abcde-fgh1!", "--------------"})
    void malformedInputIsRefusedWithoutAnException(String typed) {
        assertEquals(Optional.empty(), RecoveryCodes.normalise(typed));
        assertEquals(Optional.empty(), CODES.hash("alice", typed));
        assertFalse(CODES.matches("alice", typed, CODES.hash("alice", "abcde-fgh12").orElseThrow()));
    }

    @Test
    void onlyAHashIsStoredAndItMatchesEveryTypedForm() {
        String code = CODES.generate().get(0);
        String stored = CODES.hash("alice", code).orElseThrow();
        assertTrue(stored.matches("[0-9a-f]{64}"), stored);
        assertFalse(stored.contains(code.replace("-", "")));
        assertTrue(CODES.matches("alice", code, stored));
        assertTrue(CODES.matches("alice", code.toUpperCase(java.util.Locale.ROOT).replace("-", " "), stored));
        assertEquals(stored, CODES.hash("alice", code.replace("-", "")).orElseThrow());
    }

    @Test
    void theHashBindsTheUser() {
        String code = "abcde-fgh12";
        String alices = CODES.hash("alice", code).orElseThrow();
        assertNotEquals(alices, CODES.hash("bob", code).orElseThrow());
        assertFalse(CODES.matches("bob", code, alices));
        // No ambiguity between the name and the code at their boundary.
        assertNotEquals(CODES.hash("alice:", "bcdefgh123"), CODES.hash("alice:b", "cdefgh1234"));
    }

    @Test
    void theHashNeedsTheServerSecret() {
        RecoveryCodes other = new RecoveryCodes("secret-of-server-b-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        String stored = CODES.hash("alice", "abcde-fgh12").orElseThrow();
        assertNotEquals(stored, other.hash("alice", "abcde-fgh12").orElseThrow());
        assertFalse(other.matches("alice", "abcde-fgh12", stored));
    }

    /**
     * The comparison is MessageDigest.isEqual, whose time does not depend on where the first difference is;
     * timing cannot be asserted reliably in a unit test, so this checks that every position counts and that
     * stored values of another length or case, or none, are simply no match.
     */
    @ParameterizedTest(name = "position {0}")
    @CsvSource({"0", "1", "31", "62", "63"})
    void aDifferenceAnywhereInTheStoredHashIsNoMatch(int position) {
        String stored = CODES.hash("alice", "abcde-fgh12").orElseThrow();
        char c = stored.charAt(position);
        String changed = stored.substring(0, position) + (c == '0' ? '1' : '0') + stored.substring(position + 1);
        assertFalse(CODES.matches("alice", "abcde-fgh12", changed));
    }

    @Test
    void storedValuesOfAnotherShapeAreNoMatch() {
        String stored = CODES.hash("alice", "abcde-fgh12").orElseThrow();
        assertFalse(CODES.matches("alice", "abcde-fgh12", null));
        assertFalse(CODES.matches("alice", "abcde-fgh12", ""));
        assertFalse(CODES.matches("alice", "abcde-fgh12", stored.substring(1)));
        assertFalse(CODES.matches("alice", "abcde-fgh12", stored + "0"));
        assertFalse(CODES.matches("alice", "abcde-fgh12", stored.toUpperCase(java.util.Locale.ROOT)));
    }
}
