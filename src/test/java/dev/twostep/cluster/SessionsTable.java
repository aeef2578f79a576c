package dev.twostep.cluster;

import java.sql.SQLException;

import org.eclipse.jetty.session.DatabaseAdaptor;
import org.eclipse.jetty.session.JDBCSessionDataStore;

/**
 * Jetty's sessions table, made by Jetty's own code (the jetty-session jar of the same version, on the test
 * class path) before the nodes start. Each node creates the table when it finds none, but nodes starting at the
 * same moment on a database without it both try, and the one that loses fails to deploy ("relation
 * jettysessions already exists"): docs/scale-out.md says to create it once, or to start one node first.
 */
final class SessionsTable extends JDBCSessionDataStore.SessionTableSchema {
    private SessionsTable(String driverUrl, String schema) throws Exception {
        DatabaseAdaptor adaptor = new DatabaseAdaptor();
        adaptor.setDriverInfo("org.postgresql.Driver", driverUrl);
        adaptor.initialize();
        setDatabaseAdaptor(adaptor);
        setSchemaName(schema);
    }

    /** Creates the table and its indexes in {@code schema}; returns the statements, for docs/scale-out.md. */
    static String create(String driverUrl, String schema) throws Exception {
        SessionsTable table = new SessionsTable(driverUrl, schema);
        try {
            table.prepareTables();
        } catch (SQLException e) {
            throw new AssertionError("could not create Jetty's sessions table in " + schema, e);
        }
        return table.getCreateStatementAsString() + ";\n"
                + table.getCreateIndexOverExpiryStatementAsString("idx_jettysessions_expiry") + ";\n"
                + table.getCreateIndexOverSessionStatementAsString("idx_jettysessions_session") + ";\n";
    }
}
