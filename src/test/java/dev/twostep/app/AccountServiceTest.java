package dev.twostep.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

import dev.twostep.db.DataAccessException;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

class AccountServiceTest {
    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private TestDb db;



    /** The default cost, two slots, a short queue. */
    static PasswordHasher hasher() {
        return new PasswordHasher(new PasswordSettings(PasswordSettings.DEFAULT_MEMORY_KIB,
                PasswordSettings.DEFAULT_ITERATIONS, 2, Duration.ofMillis(200)));
    }

    private AccountService accounts(String kind) {
        db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        return new AccountService(jdbc, new PhoneDao(jdbc), hasher(), Clock.systemUTC());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void registersWithAnUnconfirmedPhoneAndHashesThePassword(String kind) throws Exception {
        AccountService accounts = accounts(kind);
        assertEquals(Optional.empty(), accounts.register("alice", "correct horse", "+14155552671", Channel.VOICE));
        PhoneDao phones = new PhoneDao(new Jdbc(db.database().dataSource()));
        Phone phone = phones.find("alice").orElseThrow();
        assertEquals("+14155552671", phone.e164());
        assertEquals(Channel.VOICE, phone.channel());
        assertFalse(phone.confirmed());
        String hash = new Jdbc(db.database().dataSource()).queryOne("test", "SELECT password_hash FROM accounts"
                + " WHERE username = ?", Jdbc.params("alice"), rs -> rs.getString(1)).orElseThrow();
        assertTrue(hash.startsWith("$argon2id$v=19$m=7168,t=5,p=1$"), hash);
        assertTrue(phones.confirm("alice", "+14155552671", 1));
        assertTrue(phones.find("alice").orElseThrow().confirmed());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aTakenNameIsRefusedAndTheFirstAccountStaysAsItWas(String kind) throws Exception {
        AccountService accounts = accounts(kind);
        accounts.register("alice", "first password", "+14155552671", Channel.SMS);
        assertEquals(Optional.of(AccountService.Problem.USERNAME_TAKEN),
                accounts.register("alice", "second password", "+442079460958", Channel.VOICE));
        assertTrue(accounts.authenticate("alice", "first password"));
        assertFalse(accounts.authenticate("alice", "second password"));
        assertEquals("+14155552671", new PhoneDao(new Jdbc(db.database().dataSource())).find("alice").orElseThrow().e164());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void authenticatesOnlyTheRightPassword(String kind) throws Exception {
        AccountService accounts = accounts(kind);
        accounts.register("alice", "pässwörd with spaces ✓", "+14155552671", Channel.SMS);
        assertTrue(accounts.authenticate("alice", "pässwörd with spaces ✓"));
        assertFalse(accounts.authenticate("alice", "pässwörd with spaces"));
        assertFalse(accounts.authenticate("mallory", "pässwörd with spaces ✓"));
        assertFalse(accounts.authenticate("alice", "x".repeat(10000)));
        assertFalse(accounts.authenticate("alice' OR '1'='1", "' OR '1'='1"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void passwordLocksAreKeptUnderAKeyedHashOfTheTypedName(String kind) throws Exception {
        db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        byte[] secret = "a server secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8);
        AccountService accounts = new AccountService(jdbc, new PhoneDao(jdbc), hasher(), Clock.systemUTC(),
                new Lockouts(jdbc, "password", 3, List.of(Duration.ofMinutes(1))), null, null, new LockKeys(secret));
        accounts.register("alice", "correct horse", "+14155552671", Channel.SMS);
        // A password typed into the name field: it must not be recoverable from the lockouts table.
        String typed = "Tr0ub4dor&3";
        for (int i = 0; i < 3; i++) {
            assertEquals(AccountService.SignIn.Outcome.WRONG, accounts.signIn(typed, "whatever", null).outcome());
        }
        assertEquals(AccountService.SignIn.Outcome.THROTTLED, accounts.signIn(typed, "whatever", null).outcome());
        String stored = jdbc.queryOne("test", "SELECT username FROM lockouts WHERE scope = 'password'", Jdbc.params(),
                rs -> rs.getString(1)).orElseThrow();
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(typed.getBytes(StandardCharsets.UTF_8)));
        assertFalse(stored.contains(typed), stored);
        assertFalse(stored.contains(sha256), "the key is the plain SHA-256 of the typed name: " + stored);
        Mac codeKey = Mac.getInstance("HmacSHA256");
        codeKey.init(new SecretKeySpec(secret, "HmacSHA256"));
        assertFalse(stored.contains(HexFormat.of().formatHex(codeKey.doFinal(typed.getBytes(StandardCharsets.UTF_8)))),
                "the key is an HMAC under the code hashes' key itself: " + stored);
        assertEquals(stored, new LockKeys(secret).of(typed), "the same secret gives the same key");
        assertNotEquals(stored, new LockKeys("another server secret, also thirty-two bytes".getBytes(
                StandardCharsets.UTF_8)).of(typed), "another secret gives another key");

        // Locks still work for a real account, and the right password clears them.
        for (int i = 0; i < 3; i++) {
            assertEquals(AccountService.SignIn.Outcome.WRONG, accounts.signIn("alice", "wrong horse", null).outcome());
        }
        assertEquals(AccountService.SignIn.Outcome.THROTTLED, accounts.signIn("alice", "correct horse", null).outcome());
    }

    /** Made by Twostep's PasswordHasher before this change (Password4j 1.8.4, m=19456 t=2) for "correct horse". */
    static final String PASSWORD4J_HASH = "$argon2id$v=19$m=19456,t=2,p=1$1qLloTdhIKniu9Y3QhrjaA"
            + "$3QhtyVhCzuFNAIOVZSXJhHXPd4jhTUBIAyFoJ+v0oK4";
    private static final byte[] SECRET = "a server secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8);

    /** With the sign-in's locks and per-address limit, as the app has them. */
    private AccountService signIns(String kind, PasswordHasher hasher) {
        db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        return new AccountService(jdbc, new PhoneDao(jdbc), hasher, Clock.systemUTC(),
                new Lockouts(jdbc, "password", 10, List.of(Duration.ofMinutes(1))), new RateLimiter(jdbc),
                new RateLimiter.Rule("pw-ip", 50, Duration.ofMinutes(15)), new LockKeys(SECRET));
    }

    private Jdbc jdbc() {
        return new Jdbc(db.database().dataSource());
    }

    private String storedHash(String username) {
        return jdbc().queryOne("test", "SELECT password_hash FROM accounts WHERE username = ?", Jdbc.params(username),
                rs -> rs.getString(1)).orElseThrow();
    }

    private void insertAccount(String username, String hash) {
        jdbc().update("test", "INSERT INTO accounts (username, password_hash, created_at) VALUES (?, ?, ?)",
                Jdbc.params(username, hash, 0L));
    }

    private long count(String sql) {
        return jdbc().queryOne("test", sql, Jdbc.params(), rs -> rs.getLong(1)).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aHashOfThePreviousLibraryAndCostIsReplacedAtTheNextSignIn(String kind) throws Exception {
        AccountService accounts = signIns(kind, hasher());
        insertAccount("alice", PASSWORD4J_HASH);

        assertEquals(AccountService.SignIn.Outcome.WRONG, accounts.signIn("alice", "wrong horse", "192.0.2.1").outcome());
        assertEquals(PASSWORD4J_HASH, storedHash("alice"), "a wrong password changes nothing");

        assertEquals(AccountService.SignIn.Outcome.OK, accounts.signIn("alice", "correct horse", "192.0.2.1").outcome());
        String upgraded = storedHash("alice");
        assertTrue(upgraded.startsWith("$argon2id$v=19$m=7168,t=5,p=1$"), upgraded);
        assertTrue(accounts.authenticate("alice", "correct horse"));
        assertFalse(accounts.authenticate("alice", "correct horse!"));

        assertEquals(AccountService.SignIn.Outcome.OK, accounts.signIn("alice", "correct horse", "192.0.2.1").outcome());
        assertEquals(upgraded, storedHash("alice"), "a hash at today's cost is left as it is");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anotherAlgorithmOrCostIsReplacedToo(String kind) throws Exception {
        AccountService accounts = signIns(kind, hasher());
        // Argon2i (another algorithm), and OWASP's m=12 MiB t=3 (another cost), from the previous library.
        insertAccount("ivan", Password.hash("password one").addRandomSalt(16).with(Argon2Function.getInstance(
                12288, 3, 1, 32, Argon2.I, Argon2Function.ARGON2_VERSION_13)).getResult());
        insertAccount("carol", Password.hash("password two").addRandomSalt(16).with(Argon2Function.getInstance(
                12288, 3, 1, 32, Argon2.ID, Argon2Function.ARGON2_VERSION_13)).getResult());
        assertTrue(storedHash("ivan").startsWith("$argon2i$v=19$m=12288,t=3,p=1$"), storedHash("ivan"));

        assertEquals(AccountService.SignIn.Outcome.OK, accounts.signIn("ivan", "password one", null).outcome());
        assertEquals(AccountService.SignIn.Outcome.OK, accounts.signIn("carol", "password two", null).outcome());
        assertTrue(storedHash("ivan").startsWith("$argon2id$v=19$m=7168,t=5,p=1$"), storedHash("ivan"));
        assertTrue(storedHash("carol").startsWith("$argon2id$v=19$m=7168,t=5,p=1$"), storedHash("carol"));
        assertTrue(accounts.authenticate("ivan", "password one"));
        assertTrue(accounts.authenticate("carol", "password two"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void withoutAFreeSlotNothingIsHashedCountedOrStored(String kind) throws Exception {
        PasswordHasher hasher = new PasswordHasher(new PasswordSettings(PasswordSettings.DEFAULT_MEMORY_KIB,
                PasswordSettings.DEFAULT_ITERATIONS, 2, Duration.ZERO));
        AccountService accounts = signIns(kind, hasher);
        accounts.register("alice", "correct horse", "+14155552671", Channel.SMS);
        try (var first = hasher.slot(); var second = hasher.slot()) {
            assertThrows(HashingBusyException.class, () -> accounts.signIn("alice", "wrong horse", "192.0.2.1"));
            assertThrows(HashingBusyException.class, () -> accounts.signIn("alice", "correct horse", "192.0.2.1"));
            assertThrows(HashingBusyException.class, () -> accounts.signIn("mallory", "whatever", "192.0.2.1"));
            assertThrows(HashingBusyException.class, () -> accounts.confirmPassword("alice", "wrong horse"));
            assertThrows(HashingBusyException.class, () -> accounts.register("bob", "another password",
                    "+14155552672", Channel.SMS));
        }
        assertEquals(0, count("SELECT COUNT(*) FROM lockouts"), "a refused sign-in is no failed password");
        assertEquals(0, count("SELECT COUNT(*) FROM rate_events"), "nor a failure from the address");
        assertFalse(accounts.exists("bob"));
        assertEquals(2, hasher.freeSlots());

        // With a slot free again, a wrong password counts as one, and the right one signs in.
        assertEquals(AccountService.SignIn.Outcome.WRONG, accounts.signIn("alice", "wrong horse", "192.0.2.1").outcome());
        assertEquals(1, count("SELECT failures FROM lockouts WHERE scope = 'password'"));
        assertEquals(AccountService.SignIn.Outcome.OK, accounts.signIn("alice", "correct horse", "192.0.2.1").outcome());
        assertEquals(2, hasher.freeSlots());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aSignInThatFailsOnTheDatabaseGivesItsSlotBack(String kind) throws Exception {
        PasswordHasher hasher = new PasswordHasher(new PasswordSettings(PasswordSettings.DEFAULT_MEMORY_KIB,
                PasswordSettings.DEFAULT_ITERATIONS, 1, Duration.ZERO));
        AccountService accounts = signIns(kind, hasher);
        db.database().close();
        assertThrows(DataAccessException.class, () -> accounts.signIn("alice", "correct horse", "192.0.2.1"));
        assertThrows(DataAccessException.class, () -> accounts.authenticate("alice", "correct horse"));
        assertEquals(1, hasher.freeSlots());
    }

    @Test
    void passwordAndNameRules() {
        assertEquals(Set.of(), AccountService.check("alice", "12345678"));
        assertEquals(Set.of(AccountService.Problem.PASSWORD_LENGTH), AccountService.check("alice", "1234567"));
        assertEquals(Set.of(), AccountService.check("alice", "x".repeat(128)));
        assertEquals(Set.of(AccountService.Problem.PASSWORD_LENGTH), AccountService.check("alice", "x".repeat(129)));
        // 128 characters, counted as people count them, even outside the Basic Multilingual Plane.
        assertEquals(Set.of(), AccountService.check("alice", "😀".repeat(128)));
        assertEquals(Set.of(AccountService.Problem.USERNAME_INVALID), AccountService.check("al", "12345678"));
        assertEquals(Set.of(AccountService.Problem.USERNAME_INVALID), AccountService.check("<b>x</b>", "12345678"));
        assertEquals("alice", AccountService.normalizeUsername("  Alice "));
    }
}
