#!/usr/bin/env bash
# Sign-ins per second of 1, 2 and 3 Twostep nodes behind HAProxy on one PostgreSQL (docs/scale-out.md):
# builds the WAR and unpacks the Jetty distribution (mvn verify without tests), then runs
# dev.twostep.cluster.ClusterBench from the test sources. Needs haproxy and PostgreSQL at 127.0.0.1:5432
# database test as postgres (or -Dtwostep.test.pg.url / TWOSTEP_TEST_PG_URL). Options go through, e.g.
#   bash src/bench/cluster.sh --sizes=1,2,3 --clients=8 --users=16 --warmup=20 --seconds=30 [--sticky | --tomcat | --pooled]
# The output is also kept in target/bench/cluster-<time>.txt; node and HAProxy logs in target/cluster/bench<N>.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -DskipTests verify
mkdir -p target/bench
out="target/bench/cluster-$(date +%Y%m%d-%H%M%S).txt"
mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.twostep.cluster.ClusterBench \
    -Dexec.args="$*" 2>&1 | tee "$out"
echo "(kept in $out)"
