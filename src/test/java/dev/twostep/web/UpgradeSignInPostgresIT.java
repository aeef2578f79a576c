package dev.twostep.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TwostepServer;

/**
 * {@link UpgradeSignInIT} on PostgreSQL: a schema of its own at version 7 with release 7's rows, migrated by
 * the app at start-up, then every user signs in. Skipped unless TWOSTEP_TEST_PG_URL (or -Dtwostep.test.pg.url)
 * names a test database.
 */
class UpgradeSignInPostgresIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer().database(TestDatabases.POSTGRESQL)
            .databaseSetup(UpgradeSignInIT::releaseSeven);

    @Test
    void everyUserOfTheReleaseBeforeSignsInAfterTheUpgrade() throws Exception {
        UpgradeSignInIT.walk(SERVER);
    }
}
