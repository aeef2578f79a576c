package dev.twostep.cluster;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Three Twostep servers on the Tomcat 10.1 distribution (the standalone WAR, each node its own JVM and
 * CATALINA_BASE, {@link TomcatNode}) on one PostgreSQL behind HAProxy, round robin and no stickiness, the
 * sessions in Tomcat's PersistentManager with a DataSourceStore on the same PostgreSQL and loaded and saved at
 * each request by Tomcat's PersistentValve (tomcat-conf/cluster/context.xml): the flows of
 * {@link SharedSessionClusterFlows}, and what lands in the sessions table.
 */
class TomcatClusterIT extends SharedSessionClusterFlows {
    @Override
    Cluster startCluster() throws Exception {
        return Cluster.start("TomcatClusterIT", 3, TomcatNode.CONTAINER);
    }

    private long sessionRows(String id) throws Exception {
        return cluster.count("SELECT COUNT(*) FROM " + Cluster.sessionsSchema(cluster.schema) + ".tomcat_sessions"
                + " WHERE session_id = ? AND app_name = '/Catalina/localhost/twostep' AND valid_session = '1'", id);
    }

    @Test
    @Order(10)
    void eachRequestsSessionIsARowOfTheStoreAndTwostepUsesTheContextsDataSource() throws Exception {
        for (Node node : cluster.nodes) {
            assertTrue(node.log().contains("Using the container's DataSource java:comp/env/jdbc/twostep"),
                    node.name + ":\n" + node.logTail());
        }
        String[] u = newUser("store");
        SignIns.register(cluster, u[0], u[1]);
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = SignIns.password(client, cluster.node(1).url("/login"), u[0]);
            String before = client.getCookieManager().getCookie("JSESSIONID").getValue();
            // Saved by the PersistentValve at the end of node1's request, the sign-in's state in it.
            assertEquals(1, sessionRows(before), before);
            assertEquals(1, cluster.count("SELECT COUNT(*) FROM " + Cluster.sessionsSchema(cluster.schema)
                    + ".tomcat_sessions WHERE session_id = ? AND position(convert_to('dev.twostep', 'UTF8')"
                    + " IN session_data) > 0", before), "Twostep's state in the row");

            HtmlPage account = SignIns.code(cluster, client.getPage(cluster.node(2).url("/twostep/code")), u[0], u[1]);
            assertEquals(cluster.node(2).port, account.getUrl().getPort());
            // The sign-in changed the session's id (against session fixation): the old row is gone, the new
            // one is there, and node3 finds the user signed in from it.
            String after = client.getCookieManager().getCookie("JSESSIONID").getValue();
            assertNotEquals(before, after);
            assertEquals(0, sessionRows(before));
            assertEquals(1, sessionRows(after));
            HtmlPage onC = client.getPage(cluster.node(3).url("/account"));
            assertTrue(text(onC).contains("Signed in as " + u[0]), text(onC));
        }
    }
}
