#!/usr/bin/env bash
# Deployments under steady load: orchestration overhead, users' failed requests, rollback timings.
# Builds the project when needed, then runs io.glidepath.bench.DeployBench on a JDK >= 21.
# Settings through the environment: RUNS=10 (deployments of each kind).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
"$root/glidepath" --version >/dev/null   # builds the jars when stale
(cd "$root" && mvn -B -q install -DskipTests >/dev/null)
cp_file="$(mktemp)"
(cd "$here/deploy-bench" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
java_bin=""
for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
  v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 21 ]; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "needs a JDK >= 21" >&2; exit 2; }
exec "$java_bin" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp "$here/deploy-bench/target/classes:$(cat "$cp_file")" io.glidepath.bench.DeployBench
