package dev.twostep.web;

import static dev.twostep.db.Jdbc.params;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.app.StoredPasswords;
import dev.twostep.db.Jdbc;
import dev.twostep.db.V7__Enrollment_events;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeMessage;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, "a database created by the previous release, with users and phones, upgraded by the new one;
 * every user still signs in": an SQLite file at schema version 7 (the release before factors) holding
 * accounts, phones and audit events as release 7 wrote them, opened by this release, which migrates it at
 * start-up; then every user signs in through the pages with the password and the code sent. The same walk on
 * PostgreSQL is {@link UpgradeSignInPostgresIT}.
 */
class UpgradeSignInIT {
    /** The accounts release 7 left: a user, a password, the phone's number and way, confirmed or not. */
    record OldUser(String username, String password, String e164, Channel channel, boolean confirmed,
                   boolean password4j) {
    }

    static final List<OldUser> USERS = List.of(
            new OldUser("alice", "alice has a long password", "+14155552671", Channel.SMS, true, false),
            new OldUser("bob.voice", "bob's password, typed twice", "+442079460958", Channel.VOICE, true, false),
            new OldUser("carol@example.org", "carol hashed long ago", "+14155552673", Channel.SMS, true, true),
            new OldUser("dave", "dave never confirmed", "+14155552674", Channel.SMS, false, false));

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer().databaseSetup(UpgradeSignInIT::releaseSeven);

    @Test
    void everyUserOfTheReleaseBeforeSignsInAfterTheUpgrade() throws Exception {
        walk(SERVER);
    }

    /**
     * Schema version 7 by the migrations of this build (those up to 7 are what release 7 shipped), then its
     * rows: an account with a password hash, a phone, and for a confirmed phone the ENROLLED event release 7
     * recorded at the confirmation.
     */
    static void releaseSeven(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration")
                .javaMigrations(new V7__Enrollment_events()).target("7").load().migrate();
        Jdbc jdbc = new Jdbc(dataSource);
        assertEquals("7", latestVersion(jdbc), "the database is release 7's before the app opens it");
        long then = System.currentTimeMillis() - 90L * 24 * 3600 * 1000;
        SecureRandom random = new SecureRandom();
        for (OldUser u : USERS) {
            String hash = u.password4j() ? StoredPasswords.password4jHash(u.password())
                    : StoredPasswords.hash(u.password());
            jdbc.update("test", "INSERT INTO accounts (username, password_hash, created_at) VALUES (?, ?, ?)",
                    params(u.username(), hash, then));
            jdbc.update("test", "INSERT INTO phones (username, phone_e164, channel, confirmed_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?)", params(u.username(), u.e164(), u.channel().name(),
                    u.confirmed() ? then + 60_000 : null, then));
            if (u.confirmed()) {
                jdbc.update("test", "INSERT INTO audit_events (id, at, username, event, detail, client_ip,"
                        + " user_agent) VALUES (?, ?, ?, 'ENROLLED', ?, '192.0.2.1', 'Release 7 browser')",
                        params(random.nextLong() & Long.MAX_VALUE, then + 60_000, u.username(),
                                "phone ending in " + u.e164().substring(u.e164().length() - 2)));
            }
        }
    }

    /** Signs in as every user of {@link #USERS} on the upgraded database and checks what each one sees. */
    static void walk(TwostepServer server) throws IOException {
        Jdbc jdbc = server.jdbc();
        assertEquals(newestMigration(), latestVersion(jdbc), "the app migrated the database at start-up");
        assertEquals(0, server.count("SELECT COUNT(*) FROM flyway_schema_history WHERE success = ?", false),
                "no failed migration");
        assertEquals(USERS.size(), server.count("SELECT COUNT(*) FROM accounts"));
        assertEquals(USERS.size(), server.count("SELECT COUNT(*) FROM phones"));

        Pages pages = new Pages(server);
        for (OldUser u : USERS) {
            int before = server.sender().sent().size();
            WebClient client = server.newClient();
            HtmlPage code = pages.signIn(client, u.username(), u.password());
            assertEquals("/app/twostep/code", code.getUrl().getPath(), u.username() + ": " + text(code));
            assertEquals(before + 1, server.sender().sent().size(), u.username() + ": one code sent");
            CodeMessage sent = server.sender().last().orElseThrow();
            assertEquals(u.e164(), sent.to(), u.username());
            assertEquals(u.channel(), sent.channel(), u.username());
            String ending = u.e164().substring(u.e164().length() - 2);
            if (u.confirmed()) {
                assertFalse(text(code).contains("Confirm your phone"), u.username() + ": " + text(code));
                assertTrue(text(code).contains(u.channel() == Channel.VOICE
                        ? "We are calling your phone ending in " + ending
                        : "We sent a text message with a code to your phone ending in " + ending),
                        u.username() + ": " + text(code));
            } else {
                assertTrue(text(code).contains("Confirm your phone"), u.username() + ": " + text(code));
            }

            HtmlPage account = enterCode(code, sent.code());
            assertEquals("/app/account", account.getUrl().getPath(), u.username() + ": " + text(account));
            assertTrue(text(account).contains("Signed in as " + u.username()), u.username() + ": " + text(account));
            assertEquals(1, server.count("SELECT COUNT(*) FROM phones WHERE username = ? AND phone_e164 = ?"
                    + " AND confirmed_at IS NOT NULL", u.username(), u.e164()), u.username());
            Pages.click(account, "signout");
        }

        // The oldest hash was computed again at today's cost when its right password came in.
        for (OldUser u : USERS) {
            String stored = jdbc.queryOne("test", "SELECT password_hash FROM accounts WHERE username = ?",
                    params(u.username()), rs -> rs.getString(1)).orElseThrow();
            assertTrue(StoredPasswords.isCurrent(stored), u.username() + ": " + stored);
        }
    }

    /** The version of the last successful migration in flyway_schema_history. */
    static String latestVersion(Jdbc jdbc) {
        return jdbc.queryOne("test", "SELECT version FROM flyway_schema_history WHERE success = ?"
                + " AND version IS NOT NULL ORDER BY installed_rank DESC", params(true), rs -> rs.getString(1))
                .orElseThrow();
    }

    /** The highest version among this build's migrations: the SQL files in sql/ and the Java V7. */
    static String newestMigration() {
        Pattern versioned = Pattern.compile("V(\\d+)__.*\\.sql");
        try (Stream<Path> files = Files.list(Path.of("sql"))) {
            int newest = files.map(p -> versioned.matcher(p.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
            return Integer.toString(Math.max(newest, 7));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
