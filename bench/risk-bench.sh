#!/usr/bin/env bash
# How well the risk model predicts rollbacks (issue 16, docs/risk.md): seeded synthetic histories under two
# ground truths, fitted on the older 70% and judged on the newer 30% (AUC, Brier, log-loss, calibration, the
# learning curve), by io.glidepath.bench.RiskBench on a JDK >= 21, compiled in the reactor (nothing is
# installed into ~/.m2). Then, unless DEMO=0, the demo-like history: the demo's services released through
# the engine on in-memory seams and judged the same way (a test of glidepath-core, DemoLikeHistoryTest).
# Settings through the environment: SEEDS=10 (histories per truth), RELEASES=2000 (per history), DEMO=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/jdk.sh"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
# test-compile, not compile: deploy-bench's classpath names glidepath-kubernetes's test classes, which the reactor
# only resolves once they are compiled (nothing is installed)
(cd "$root" && mvn -B -q -pl bench/deploy-bench -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
"$java_bin" -cp "$here/deploy-bench/target/classes:$(cat "$cp_file")" io.glidepath.bench.RiskBench
if [ "${DEMO:-1}" != "0" ]; then
  (cd "$root" && mvn -B -q verify -pl glidepath-core -Dtest=DemoLikeHistoryTest -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true >/dev/null)
  grep -v -E ' (INFO|WARN|DEBUG) ' "$root/glidepath-core/target/surefire-reports/io.glidepath.engine.DemoLikeHistoryTest-output.txt"
fi
