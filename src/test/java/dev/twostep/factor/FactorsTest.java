package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** A user's factors of every kind, read together, on a real SQLite file and, when configured, PostgreSQL. */
class FactorsTest {
    private static final RecoveryCodes CODES =
            new RecoveryCodes("server-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8));
    private static final long NOW = 1_767_225_600_000L;

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private Jdbc jdbc;
    private PhoneDao phones;
    private TotpFactorDao apps;
    private RecoveryCodeDao codes;
    private Factors factors;

    private void open(String kind) {
        jdbc = new Jdbc(databases.open(kind).database().dataSource());
        phones = new PhoneDao(jdbc);
        apps = new TotpFactorDao(jdbc);
        codes = new RecoveryCodeDao(jdbc);
        factors = new Factors(jdbc, phones, apps, codes);
    }

    private void signedInByPhone(String username, String e164, long at) {
        jdbc.update("test", "INSERT INTO challenges (id, username, purpose, channel, destination, code_hash,"
                + " created_at, expires_at, attempts, consumed_at) VALUES (?, ?, 'LOGIN', 'SMS', ?, ?, ?, ?, 1, ?)",
                params(Rows.newId(), username, e164, "00".repeat(32), at - 1000, at + 60_000, at));
    }

    private long confirmedApp(String username, String label, long at) {
        long id = TotpFactorDao.newId();
        apps.addUnconfirmed(id, username, label, "v1.sealed", at - 10);
        apps.confirm(id, username, 100, at);
        return id;
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void listsEveryKindWithItsDates(String kind) {
        open(kind);
        phones.setUnconfirmed("alice", "+14155552671", Channel.SMS, NOW);
        phones.confirm("alice", "+14155552671", NOW + 1);
        signedInByPhone("alice", "+14155552671", NOW + 50);
        signedInByPhone("alice", "+14155552671", NOW + 60);
        signedInByPhone("alice", "+14155550000", NOW + 70); // a number she had before
        long app = confirmedApp("alice", "phone app", NOW + 100);
        apps.acceptStep(app, "alice", 101, NOW + 150);
        long unused = confirmedApp("alice", "laptop", NOW + 200);
        List<String> set = CODES.generate();
        codes.replace("alice", set.stream().map(c -> CODES.hash("alice", c).orElseThrow()).toList(), NOW + 300);
        codes.use("alice", CODES.hash("alice", set.get(0)).orElseThrow(), NOW + 400);

        List<Factor> list = factors.list("alice");

        assertEquals(List.of(Factor.Kind.PHONE, Factor.Kind.TOTP, Factor.Kind.TOTP, Factor.Kind.RECOVERY_CODES),
                list.stream().map(Factor::kind).toList());
        Factor.PhoneFactor phone = assertInstanceOf(Factor.PhoneFactor.class, list.get(0));
        assertEquals(new Phone("alice", "+14155552671", Channel.SMS, NOW + 1), phone.phone());
        assertEquals(NOW + 1, phone.addedAt());
        assertEquals(NOW + 60, phone.lastUsedAt(), "the last code accepted from this number");

        Factor.AppFactor first = assertInstanceOf(Factor.AppFactor.class, list.get(1));
        assertEquals(app, first.id());
        assertEquals("phone app", first.label());
        assertEquals(NOW + 100, first.addedAt());
        assertEquals(NOW + 150, first.lastUsedAt());
        Factor.AppFactor second = assertInstanceOf(Factor.AppFactor.class, list.get(2));
        assertEquals(unused, second.id());
        assertNull(second.lastUsedAt());

        assertEquals(new Factor.RecoveryCodesFactor("alice", 10, 9, NOW + 300, NOW + 400), list.get(3));
        list.forEach(f -> assertEquals("alice", f.username()));
        assertTrue(factors.hasUsable("alice"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aRemovedPhoneOrAppIsNoLongerListedAndOnlyItsOwnerRemovesIt(String kind) {
        open(kind);
        phones.setUnconfirmed("dora", "+14155552673", Channel.SMS, NOW);
        phones.confirm("dora", "+14155552673", NOW);
        long app = confirmedApp("dora", "phone", NOW);
        confirmedApp("eve", "phone", NOW);

        assertFalse(apps.delete(app, "eve"), "another user's id removes nothing");
        assertFalse(phones.delete("dora", "+14155550000"), "only the number shown is removed");
        assertEquals(2, factors.list("dora").size());
        assertTrue(apps.delete(app, "dora"));
        assertTrue(phones.delete("dora", "+14155552673"));
        assertEquals(List.of(), factors.list("dora"));
        assertEquals(1, factors.list("eve").size());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void unconfirmedPhonesAndAppsAreNoFactors(String kind) {
        open(kind);
        phones.setUnconfirmed("bob", "+14155552672", Channel.VOICE, NOW);
        apps.addUnconfirmed(TotpFactorDao.newId(), "bob", "phone", "v1.sealed", NOW);

        assertEquals(List.of(), factors.list("bob"));
        assertFalse(factors.hasUsable("bob"));
        assertEquals(List.of(), factors.list("nobody"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aPhoneNeverUsedAndASpentSetOfCodes(String kind) {
        open(kind);
        phones.setUnconfirmed("carol", "+14155552673", Channel.VOICE, NOW);
        phones.confirm("carol", "+14155552673", NOW + 1);
        List<String> set = CODES.generate();
        codes.replace("carol", set.stream().map(c -> CODES.hash("carol", c).orElseThrow()).toList(), NOW);
        for (String code : set) {
            codes.use("carol", CODES.hash("carol", code).orElseThrow(), NOW + 5);
        }

        List<Factor> list = factors.list("carol");
        assertEquals(2, list.size());
        assertNull(list.get(0).lastUsedAt());
        assertEquals(Channel.VOICE, ((Factor.PhoneFactor) list.get(0)).phone().channel());
        Factor.RecoveryCodesFactor spent = (Factor.RecoveryCodesFactor) list.get(1);
        assertEquals(0, spent.remaining());
        assertFalse(spent.usable());
        assertTrue(factors.hasUsable("carol"), "the phone still is");

        new RecoveryCodeDao(jdbc).deleteAll("carol");
        jdbc.update("test", "DELETE FROM phones WHERE username = 'carol'", params());
        codes.replace("carol", List.of(CODES.hash("carol", set.get(0)).orElseThrow()), NOW);
        codes.use("carol", CODES.hash("carol", set.get(0)).orElseThrow(), NOW);
        assertFalse(factors.hasUsable("carol"), "a spent set alone signs nobody in");
    }

    @Test
    void aFactorIsConfirmedOrItIsNone() {
        assertThrows(IllegalArgumentException.class,
                () -> new Factor.PhoneFactor(new Phone("a", "+14155552671", Channel.SMS, null), null));
        assertThrows(IllegalArgumentException.class,
                () -> new Factor.AppFactor(new TotpFactor(1, "a", "x", "v1.s", -1, NOW, null, null)));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theLastPhoneOrAppIsKeptEvenWhenBothAreRemovedAtOnce(String kind) throws Exception {
        open(kind);
        for (int round = 0; round < 15; round++) {
            String user = "race" + round;
            phones.setUnconfirmed(user, "+14155552671", Channel.SMS, NOW);
            phones.confirm(user, "+14155552671", NOW + 1);
            long app = confirmedApp(user, "phone app", NOW + 2);
            java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
            java.util.Map<Factors.Removal, Integer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
            Racers.winners(2, () -> {
                Factors.Removal r = turn.getAndIncrement() == 0 ? factors.removePhone(user, "+14155552671")
                        : factors.removeApp(user, app);
                outcomes.merge(r, 1, Integer::sum);
                return r == Factors.Removal.REMOVED;
            });
            assertEquals(java.util.Map.of(Factors.Removal.REMOVED, 1, Factors.Removal.LAST, 1), outcomes,
                    "round " + round);
            assertEquals(1, factors.list(user).size(), "one of the two is left");
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void removingNeedsTheUsersOwnConfirmedFactor(String kind) {
        open(kind);
        phones.setUnconfirmed("alice", "+14155552671", Channel.SMS, NOW);
        phones.confirm("alice", "+14155552671", NOW + 1);
        long first = confirmedApp("alice", "one", NOW + 2);
        long second = confirmedApp("alice", "two", NOW + 3);
        long bobs = confirmedApp("bob", "bob's", NOW + 4);
        assertEquals(Factors.Removal.GONE, factors.removeApp("alice", bobs), "another user's app");
        assertEquals(Factors.Removal.GONE, factors.removePhone("alice", "+14155550000"), "another number");
        assertEquals(Factors.Removal.REMOVED, factors.removeApp("alice", first));
        assertEquals(Factors.Removal.GONE, factors.removeApp("alice", first), "removed already");
        assertEquals(Factors.Removal.REMOVED, factors.removePhone("alice", "+14155552671"));
        assertEquals(Factors.Removal.LAST, factors.removeApp("alice", second));
        assertEquals(1, factors.list("alice").size());
        assertEquals(1, factors.list("bob").size());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theFactorThatSignedInLastIsPreferred(String kind) {
        open(kind);
        assertEquals(java.util.Optional.empty(), factors.preferred(null, List.of()), "nothing yet");
        phones.setUnconfirmed("pat", "+14155552671", Channel.SMS, NOW);
        assertEquals(java.util.Optional.empty(), factors.preferred(phones.find("pat").orElseThrow(), List.of()),
                "a number not confirmed is no factor");
        phones.confirm("pat", "+14155552671", NOW + 1);
        Phone phone = phones.find("pat").orElseThrow();
        assertEquals(java.util.Optional.of(Factor.Kind.PHONE), factors.preferred(phone, List.of()));
        long app = confirmedApp("pat", "phone app", NOW + 10);
        assertEquals(java.util.Optional.of(Factor.Kind.TOTP), factors.preferred(phone, apps.list("pat")),
                "the app, confirmed after the phone");
        signedInByPhone("pat", "+14155552671", NOW + 20);
        assertEquals(java.util.Optional.of(Factor.Kind.PHONE), factors.preferred(phone, apps.list("pat")),
                "the phone signed in since");
        apps.acceptStep(app, "pat", 101, NOW + 30);
        assertEquals(java.util.Optional.of(Factor.Kind.TOTP), factors.preferred(phone, apps.list("pat")));
        assertEquals(java.util.Optional.of(Factor.Kind.TOTP), factors.preferred(null, apps.list("pat")),
                "no phone: the app");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anOperatorsResetRemovesThePhoneOrEverythingAndTheCodesSentWithIt(String kind) {
        open(kind);
        phones.setUnconfirmed("carl", "+14155552671", Channel.SMS, NOW);
        phones.confirm("carl", "+14155552671", NOW + 1);
        confirmedApp("carl", "phone app", NOW + 100);
        codes.replace("carl", CODES.generate().stream().map(c -> CODES.hash("carl", c).orElseThrow()).toList(), NOW);
        phones.setUnconfirmed("dora", "+14155550000", Channel.SMS, NOW);
        phones.confirm("dora", "+14155550000", NOW + 1);
        jdbc.update("test", "INSERT INTO challenges (id, username, purpose, channel, destination, code_hash,"
                + " created_at, expires_at) VALUES (?, 'carl', 'LOGIN', 'SMS', '+14155552671', ?, ?, ?)",
                params(Rows.newId(), "00".repeat(32), NOW, NOW + 600_000));

        // The phone only: no last-factor rule here, the app and the codes stay, the open code is void.
        assertEquals(1, factors.reset("carl", Factors.Reset.PHONE, NOW + 5));
        assertEquals(List.of(Factor.Kind.TOTP, Factor.Kind.RECOVERY_CODES),
                factors.list("carl").stream().map(Factor::kind).toList());
        assertEquals(0L, jdbc.queryOne("test", "SELECT COUNT(*) FROM challenges WHERE username = 'carl'"
                + " AND revoked_at IS NULL", params(), rs -> rs.getLong(1)).orElseThrow());

        // Everything: the app and the ten codes go too; another user keeps hers.
        assertEquals(11, factors.reset("carl", Factors.Reset.ALL, NOW + 6));
        assertEquals(List.of(), factors.list("carl"));
        assertFalse(factors.hasUsable("carl"));
        assertEquals(0, factors.reset("carl", Factors.Reset.ALL, NOW + 7), "nothing left to remove");
        assertTrue(factors.hasUsable("dora"));
    }
}
