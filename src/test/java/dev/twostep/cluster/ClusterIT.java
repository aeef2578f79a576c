package dev.twostep.cluster;

/**
 * Three Twostep servers (the WAR on Jetty 12 distributions) on one PostgreSQL behind HAProxy, round robin and no
 * stickiness, sessions in Jetty's JDBC session data store: the flows of {@link SharedSessionClusterFlows}.
 */
class ClusterIT extends SharedSessionClusterFlows {
    @Override
    Cluster startCluster() throws Exception {
        return Cluster.start("ClusterIT", 3, false);
    }
}
