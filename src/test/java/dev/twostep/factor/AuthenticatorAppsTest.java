package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** Adding an app and signing in with it, over the real table on SQLite and, when configured, PostgreSQL. */
class AuthenticatorAppsTest {
    private static final byte[] SERVER_SECRET = "server-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:10Z"), ZoneOffset.UTC);

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private TotpFactorDao dao(String kind) {
        return new TotpFactorDao(new Jdbc(databases.open(kind).database().dataSource()));
    }

    private static byte[] secretOf(AuthenticatorApps.Pending pending) {
        return Base32.decode(pending.secretText());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anAppIsAddedWithItsFirstCodeAndSignsInOncePerCode(String kind) {
        TotpFactorDao dao = dao(kind);
        AuthenticatorApps apps = new AuthenticatorApps(dao, new SecretBox(SERVER_SECRET), CLOCK, "Twostep");
        Totp totp = new Totp(CLOCK);

        AuthenticatorApps.Pending abandoned = apps.begin("alice");
        AuthenticatorApps.Pending pending = apps.begin("alice");
        assertEquals(1, dao.list("alice").size(), "beginning again drops the app never confirmed");
        assertTrue(apps.pending("alice", abandoned.id()).isEmpty());
        assertEquals(pending, apps.pending("alice", pending.id()).orElseThrow());
        assertTrue(apps.pending("mallory", pending.id()).isEmpty());
        byte[] secret = secretOf(pending);
        assertEquals(Totp.SECRET_BYTES, secret.length);
        assertTrue(pending.uri().startsWith("otpauth://totp/Twostep:alice?secret=" + Base32.encode(secret)), pending.uri());
        assertFalse(dao.list("alice").get(0).secretSealed().contains(Base32.encode(secret)));

        String now = totp.code(secret, totp.currentStep());
        assertFalse(apps.hasConfirmed("alice"));
        assertTrue(apps.signIn("alice", now).isEmpty(), "an unconfirmed app signs nobody in");
        assertFalse(apps.confirm("mallory", pending.id(), now));
        assertTrue(apps.confirm("alice", pending.id(), now));
        assertTrue(apps.hasConfirmed("alice"));
        assertFalse(apps.confirm("alice", pending.id(), totp.code(secret, totp.currentStep() + 1)), "confirmed once");
        assertTrue(apps.pending("alice", pending.id()).isEmpty(), "a confirmed app's key is not shown again");

        assertTrue(apps.signIn("alice", now).isEmpty(), "the confirming code cannot also sign in");
        String next = totp.code(secret, totp.currentStep() + 1);
        assertEquals(AuthenticatorApps.DEFAULT_LABEL, apps.signIn("alice", next).orElseThrow());
        assertTrue(apps.signIn("alice", next).isEmpty(), "a code counts once");
        assertTrue(apps.signIn("mallory", totp.code(secret, totp.currentStep() + 1)).isEmpty());

        apps.begin("alice");
        assertTrue(apps.hasConfirmed("alice"), "beginning another app keeps the confirmed one");
        assertEquals(2, dao.list("alice").size());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aColonInTheNamesDoesNotSplitTheLabelWrongly(String kind) {
        AuthenticatorApps apps = new AuthenticatorApps(dao(kind), new SecretBox(SERVER_SECRET), CLOCK, "Acme: Intranet");
        assertTrue(apps.begin("corp:bob").uri().startsWith("otpauth://totp/Acme%20%20Intranet:corp%20bob?"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anAppIsNamedAsTheUserCalledItAndOnlyByItsOwner(String kind) {
        TotpFactorDao dao = dao(kind);
        AuthenticatorApps apps = new AuthenticatorApps(dao, new SecretBox(SERVER_SECRET), CLOCK, "Twostep");
        AuthenticatorApps.Pending pending = apps.begin("alice");
        assertEquals(AuthenticatorApps.DEFAULT_LABEL, dao.list("alice").get(0).label());
        assertFalse(apps.rename("mallory", pending.id(), "Mallory's"));
        assertTrue(apps.rename("alice", pending.id(), "Work phone"));
        assertEquals("Work phone", dao.find(pending.id(), "alice").orElseThrow().label());
    }

    @Test
    void aTypedNameIsTidiedAndBoundedAndBlankMeansNone() {
        assertEquals(java.util.Optional.of("Work phone"), AuthenticatorApps.label("  Work\t\n phone \u0007"));
        assertEquals(java.util.Optional.of("Téléphone ☎"), AuthenticatorApps.label("Téléphone ☎"));
        assertTrue(AuthenticatorApps.label(null).isEmpty());
        assertTrue(AuthenticatorApps.label(" \n ").isEmpty());
        assertEquals(64, AuthenticatorApps.label("😀".repeat(64)).orElseThrow().codePointCount(0, 128));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AuthenticatorApps.label("x".repeat(65)));
    }

    @Test
    void theKeyIsShownInGroupsOfFour() {
        assertEquals("ABCD EFGH IJ", AuthenticatorApps.grouped("ABCDEFGHIJ"));
        assertEquals("ABCD", AuthenticatorApps.grouped("ABCD"));
    }

    @Test
    void onlySixDigitsAreATry() {
        assertTrue(AuthenticatorApps.wellFormed("123456"));
        assertTrue(AuthenticatorApps.wellFormed("123 456"));
        assertFalse(AuthenticatorApps.wellFormed("12345"));
        assertFalse(AuthenticatorApps.wellFormed("1234567"));
        assertFalse(AuthenticatorApps.wellFormed("12345a"));
        assertFalse(AuthenticatorApps.wellFormed("１２３４５６"));
        assertFalse(AuthenticatorApps.wellFormed(null));
        assertFalse(AuthenticatorApps.wellFormed("1 2 3 4 5 6 7 8 9"));
    }
}
