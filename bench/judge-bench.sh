#!/usr/bin/env bash
# Decision quality of the canary judges (issue 11): seeded synthetic per-second traffic, every judge on
# the same data (today's thresholds, a Kayenta-like judge over 5/10/30-minute windows, the sequential
# judge, a per-second z-test with peeking); false rollbacks with Clopper-Pearson intervals, power, time
# to decision, canary errors served, share inconclusive. Runs io.glidepath.bench.JudgeBench on a
# JDK >= 21, compiled in the reactor (nothing is installed into ~/.m2).
# Settings through the environment: RUNS=2000 (A/A runs per scenario), AB_RUNS (A/B runs, default the
# smaller of RUNS and 300), THREADS (default the processors), SEED=11, ONLY (a regular expression a
# scenario's label must contain, such as 'sticky|gc' or '^500 rps'), JUDGES (one a judge's name must
# contain, such as '^sequential$|kayenta-5m'; the data is the same whichever judges run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/jdk.sh"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
(cd "$root" && mvn -B -q -pl bench/deploy-bench -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
"$java_bin" -cp "$here/deploy-bench/target/classes:$(cat "$cp_file")" io.glidepath.bench.JudgeBench
