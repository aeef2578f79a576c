package dev.twostep.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;

class PasswordSettingsTest {

    private static PasswordSettings parse(Map<String, String> params, Map<String, String> env) {
        return PasswordSettings.from(new Settings(params::get, env));
    }

    private static PasswordSettings cost(int memoryKib, int iterations) {
        return parse(Map.of("twostep.password.memory-kib", String.valueOf(memoryKib),
                "twostep.password.iterations", String.valueOf(iterations)), Map.of());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        PasswordSettings s = parse(Map.of(), Map.of());
        assertEquals(7168, s.memoryKib());
        assertEquals(5, s.iterations());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.maxConcurrent());
        assertEquals(Duration.ofMillis(2000), s.queueWait());
        assertEquals((long) s.maxConcurrent() * 7168, s.boundKib());
    }

    @Test
    void theEnvironmentOverridesContextParams() {
        Map<String, String> params = new HashMap<>(Map.of("twostep.password.max-concurrent", "3",
                "twostep.password.queue-wait-ms", "500"));
        PasswordSettings s = parse(params, Map.of("TWOSTEP_PASSWORD_MAX_CONCURRENT", "1",
                "TWOSTEP_PASSWORD_QUEUE_WAIT_MS", "0"));
        assertEquals(1, s.maxConcurrent());
        assertEquals(Duration.ZERO, s.queueWait());
    }

    @ParameterizedTest(name = "m={0} t={1}")
    @CsvSource({
        // OWASP's five equivalent sets
        "47104, 1", "19456, 2", "12288, 3", "9216, 4", "7168, 5",
        // stronger than one of them
        "7168, 10", "65536, 1", "19456, 3", "10000, 4", "12288, 5", "1048576, 100",
    })
    void atLeastOneOfOwaspsSetsIsAccepted(int memoryKib, int iterations) {
        PasswordSettings s = cost(memoryKib, iterations);
        assertEquals(memoryKib, s.memoryKib());
        assertEquals(iterations, s.iterations());
    }

    @ParameterizedTest(name = "m={0} t={1} names {2}")
    @CsvSource({
        // below 7 MiB however many passes
        "7167,  5,   twostep.password.memory-kib",
        "4096,  100, twostep.password.memory-kib",
        "1,     1,   twostep.password.memory-kib",
        // enough memory for some set, too few passes for it
        "47103, 1,   twostep.password.iterations",
        "19455, 2,   twostep.password.iterations",
        "12288, 2,   twostep.password.iterations",
        "12287, 3,   twostep.password.iterations",
        "9215,  4,   twostep.password.iterations",
        "7168,  4,   twostep.password.iterations",
        "30000, 1,   twostep.password.iterations",
    })
    void weakerThanEveryOwaspSetStopsStartUpNamingTheSetting(int memoryKib, int iterations, String setting) {
        ConfigException e = assertThrows(ConfigException.class, () -> cost(memoryKib, iterations));
        assertEquals(setting, e.setting());
        assertTrue(e.getMessage().contains(setting), e.getMessage());
        assertTrue(e.getMessage().contains("m=7168 t=5"), "the message lists OWASP's sets: " + e.getMessage());
    }

    @Test
    void theMessageSaysWhatWouldDo() {
        ConfigException e = assertThrows(ConfigException.class, () -> cost(10000, 3));
        assertTrue(e.getMessage().contains("at least 4"), e.getMessage());
        assertTrue(e.getMessage().contains("12288"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "twostep.password.max-concurrent | 0",
        "twostep.password.max-concurrent | 1025",
        "twostep.password.max-concurrent | two",
        "twostep.password.queue-wait-ms  | -1",
        "twostep.password.queue-wait-ms  | 30001",
        "twostep.password.iterations     | 0",
        "twostep.password.iterations     | 101",
        "twostep.password.memory-kib     | 4194305",
    })
    void outOfRangeValuesStopStartUpNamingTheSetting(String name, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(Map.of(name, value), Map.of()));
        assertEquals(name, e.setting());
    }

    @Test
    void theFloorFollowsOwaspsSetWithAsManyPasses() {
        assertEquals(47104, PasswordSettings.floorKib(1));
        assertEquals(19456, PasswordSettings.floorKib(2));
        assertEquals(12288, PasswordSettings.floorKib(3));
        assertEquals(9216, PasswordSettings.floorKib(4));
        assertEquals(7168, PasswordSettings.floorKib(5));
        assertEquals(7168, PasswordSettings.floorKib(50));
    }
}
