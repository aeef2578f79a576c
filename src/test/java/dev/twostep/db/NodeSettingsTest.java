package dev.twostep.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.NodeSettings.OnDifference;
import dev.twostep.db.NodeSettings.Outcome;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

/** The settings every server on one database must share, on a real SQLite file and, when configured, PostgreSQL. */
class NodeSettingsTest {
    private static final long NOW = 1_767_225_600_000L;
    private static final String SECRET = "a-secret-that-must-never-show-0123456789";

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private static SortedMap<String, String> node(String... settings) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        return NodeSettings.of(TwostepConfig.from(new Settings(values::get, Map.of("TWOSTEP_SECRET", SECRET))));
    }

    private static String recorded(Jdbc jdbc) {
        return jdbc.queryOne("t", "SELECT settings FROM node_settings", Jdbc.params(), rs -> rs.getString(1))
                .orElseThrow();
    }

    private static long rows(Jdbc jdbc) {
        return jdbc.queryOne("t", "SELECT COUNT(*) FROM node_settings", Jdbc.params(), rs -> rs.getLong(1))
                .orElseThrow();
    }

    @Test
    void theValuesNameTheSettingsThatMustAgreeAndNoSecret() {
        SortedMap<String, String> values = node("twostep.factors", "totp,sms", "twostep.factors.required", "totp");
        for (String name : List.of("twostep.code.length", "twostep.code.ttl-seconds", "twostep.code.max-attempts",
                "twostep.limits.sends-per-hour", "twostep.limits.user.sends", "twostep.limits.number.interval-seconds",
                "twostep.limits.code-failures-before-lock", "twostep.limits.password-failures-per-address",
                "twostep.limits.lock-minutes", "twostep.session.max-minutes")) {
            assertTrue(values.containsKey(name), name + " in " + values);
        }
        assertEquals("6", values.get("twostep.code.length"));
        assertEquals("1,5,15,60", values.get("twostep.limits.lock-minutes"));
        assertEquals("sms,totp", values.get("twostep.factors"), "in one order however written");
        assertEquals("totp", values.get("twostep.factors.required"));
        assertEquals("", node().get("twostep.factors.required"));
        assertFalse(NodeSettings.format(values).contains(SECRET));
        assertEquals(values, NodeSettings.parse(NodeSettings.format(values)));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theFirstServerRecordsItsValuesAndAServerThatAgreesStarts(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        assertEquals(Outcome.RECORDED, NodeSettings.verify(jdbc, node(), OnDifference.REFUSE, NOW));
        assertEquals(Outcome.AGREED, NodeSettings.verify(jdbc, node(), OnDifference.REFUSE, NOW + 1));
        assertEquals(Outcome.AGREED, NodeSettings.verify(jdbc, node("twostep.app-name", "Other",
                "twostep.trusted-proxies", "10.0.0.0/8"), OnDifference.REFUSE, NOW + 2),
                "settings that may differ between servers do not count");
        assertEquals(1, rows(jdbc));
        assertEquals(NodeSettings.format(node()), recorded(jdbc));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aServerWithOtherValuesRefusesNamingEachSettingAndBothValues(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        NodeSettings.verify(jdbc, node(), OnDifference.REFUSE, NOW);
        ConfigException refused = assertThrows(ConfigException.class, () -> NodeSettings.verify(jdbc,
                node("twostep.code.length", "8", "twostep.limits.sends-per-hour", "4000",
                        "twostep.factors", "sms,totp", "twostep.code.max-attempts", "5"),
                OnDifference.REFUSE, NOW + 1));
        String message = refused.getMessage();
        assertEquals("twostep.code.length", refused.setting());
        assertTrue(message.contains("twostep.code.length is 8 here but 6 on the servers already using it"), message);
        assertTrue(message.contains("twostep.limits.sends-per-hour is 4000 here but 1000"), message);
        // sends-per-hour-per-country follows sends-per-hour by default, so it differs too.
        assertTrue(message.contains("twostep.limits.sends-per-hour-per-country is 1000 here but 250"), message);
        assertTrue(message.contains("twostep.factors is sms,totp here but sms,voice,totp,recovery"), message);
        assertFalse(message.contains("twostep.code.max-attempts"), "only the settings that differ: " + message);
        assertTrue(message.contains(NodeSettings.ACCEPT + "=true"), "says how to change them: " + message);
        assertFalse(message.contains(SECRET), message);
        assertEquals(NodeSettings.format(node()), recorded(jdbc), "the first server's values stay");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void acceptingOnPurposeRecordsTheNewValuesWhichTheOthersThenNeed(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        SortedMap<String, String> old = node();
        SortedMap<String, String> changed = node("twostep.code.ttl-seconds", "300");
        NodeSettings.verify(jdbc, old, OnDifference.REFUSE, NOW);

        assertEquals(Outcome.REPLACED, NodeSettings.verify(jdbc, changed, OnDifference.RECORD_ON_PURPOSE, NOW + 1));
        assertEquals(NodeSettings.format(changed), recorded(jdbc));
        // The rolling change: the next server restarts with the new values; one still on the old ones refuses.
        assertEquals(Outcome.AGREED, NodeSettings.verify(jdbc, changed, OnDifference.REFUSE, NOW + 2));
        ConfigException refused = assertThrows(ConfigException.class,
                () -> NodeSettings.verify(jdbc, old, OnDifference.REFUSE, NOW + 3));
        assertTrue(refused.getMessage().contains("twostep.code.ttl-seconds is 600 here but 300"), refused.getMessage());
        assertEquals(1, rows(jdbc));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void onlyTwostepsOwnSqliteFileIsOneServersDatabase(String kind) {
        TestDb db = databases.open(kind);
        assertEquals(TestDatabases.SQLITE.equals(kind), db.database().ownSqliteFile());
    }

    @Test
    void aSingleServerOnItsOwnSqliteFileRestartsWithChangedSettings() {
        Jdbc jdbc = new Jdbc(databases.open(TestDatabases.SQLITE).database().dataSource());
        NodeSettings.verify(jdbc, node(), OnDifference.RECORD_ALONE, NOW);
        SortedMap<String, String> changed = node("twostep.code.length", "8", "twostep.limits.user.sends", "3");
        assertEquals(Outcome.REPLACED, NodeSettings.verify(jdbc, changed, OnDifference.RECORD_ALONE, NOW + 1));
        assertEquals(NodeSettings.format(changed), recorded(jdbc));
        assertEquals(Outcome.AGREED, NodeSettings.verify(jdbc, changed, OnDifference.RECORD_ALONE, NOW + 2));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void settingsANewerVersionAddsAreRecordedAndAnOlderOnesKept(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        SortedMap<String, String> older = new java.util.TreeMap<>(node());
        older.remove("twostep.identity.lowercase");
        older.put("twostep.some-setting-of-another-version", "7");
        jdbc.update("t", "INSERT INTO node_settings (name, settings, recorded_at) VALUES ('shared', ?, ?)",
                Jdbc.params(NodeSettings.format(older), NOW));

        assertEquals(Outcome.AGREED, NodeSettings.verify(jdbc, node(), OnDifference.REFUSE, NOW + 1));
        SortedMap<String, String> now = NodeSettings.parse(recorded(jdbc));
        assertEquals("true", now.get("twostep.identity.lowercase"));
        assertEquals("7", now.get("twostep.some-setting-of-another-version"));
    }

    /** Servers starting at once on an empty table: exactly one set of values is recorded, the others compare. */
    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void ofServersRacingToRecordFirstExactlyOneWinsAndTheOthersAgreeOrRefuse(String kind) throws Exception {
        for (int round = 0; round < 5; round++) {
            TestDb db = databases.open(kind);
            Jdbc jdbc = new Jdbc(db.database().dataSource());
            // Two servers with one set of values, two with another.
            List<SortedMap<String, String>> nodes = List.of(node(), node(), node("twostep.code.length", "8"),
                    node("twostep.code.length", "8"));
            List<Object> results = race(nodes.size(), i -> NodeSettings.verify(jdbc, nodes.get(i),
                    OnDifference.REFUSE, NOW + i));

            assertEquals(1, rows(jdbc));
            int winner = results.indexOf(Outcome.RECORDED);
            assertTrue(winner >= 0, "one recorded: " + results);
            assertEquals(1, results.stream().filter(r -> r == Outcome.RECORDED).count(), results.toString());
            assertEquals(NodeSettings.format(nodes.get(winner)), recorded(jdbc), "the winner's whole set");
            for (int i = 0; i < nodes.size(); i++) {
                if (i == winner) {
                    continue;
                }
                if (nodes.get(i).equals(nodes.get(winner))) {
                    assertEquals(Outcome.AGREED, results.get(i), "server " + i + ": " + results);
                } else {
                    assertTrue(results.get(i) instanceof ConfigException c
                            && c.setting().equals("twostep.code.length"), "server " + i + ": " + results);
                }
            }
            assertNotEquals(-1, winner);
        }
    }

    /** Runs the action on as many threads, released at once; each result is an Outcome or the exception thrown. */
    private static List<Object> race(int threads, java.util.function.IntFunction<Outcome> action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    start.await();
                    try {
                        return action.apply(n);
                    } catch (ConfigException e) {
                        return e;
                    }
                }));
            }
            assertTrue(ready.await(30, TimeUnit.SECONDS));
            start.countDown();
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
