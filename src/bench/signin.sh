#!/usr/bin/env bash
# The sign-in benchmark (docs/benchmarks.md): builds the WAR and unpacks the Jetty distribution
# (mvn verify without tests), then runs dev.twostep.bench.SignInBench from the test sources. Options go
# through, e.g.  bash src/bench/signin.sh --quick   or   --levels=2,8 --seconds=10 --dbs=postgres
# (--help lists them). The output is also kept in target/bench/signin-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -DskipTests verify
mkdir -p target/bench
out="target/bench/signin-$(date +%Y%m%d-%H%M%S).txt"
mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.twostep.bench.SignInBench \
    -Dexec.args="$*" 2>&1 | tee "$out"
echo "(kept in $out)"
