package dev.twostep.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

class AccountServiceTest {
    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private TestDb db;



    private AccountService accounts(String kind) {
        db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        return new AccountService(jdbc, new PhoneDao(jdbc), 19456, 2, Clock.systemUTC());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void registersWithAnUnconfirmedPhoneAndHashesThePassword(String kind) {
        AccountService accounts = accounts(kind);
        assertEquals(Optional.empty(), accounts.register("alice", "correct horse", "+14155552671", Channel.VOICE));
        PhoneDao phones = new PhoneDao(new Jdbc(db.database().dataSource()));
        Phone phone = phones.find("alice").orElseThrow();
        assertEquals("+14155552671", phone.e164());
        assertEquals(Channel.VOICE, phone.channel());
        assertFalse(phone.confirmed());
        String hash = new Jdbc(db.database().dataSource()).queryOne("test", "SELECT password_hash FROM accounts"
                + " WHERE username = ?", Jdbc.params("alice"), rs -> rs.getString(1)).orElseThrow();
        assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
        assertTrue(phones.confirm("alice", "+14155552671", 1));
        assertTrue(phones.find("alice").orElseThrow().confirmed());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aTakenNameIsRefusedAndTheFirstAccountStaysAsItWas(String kind) {
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
    void authenticatesOnlyTheRightPassword(String kind) {
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
        AccountService accounts = new AccountService(jdbc, new PhoneDao(jdbc), 19456, 2, Clock.systemUTC(),
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
