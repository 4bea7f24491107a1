#!/usr/bin/env bash
# Multi-service releases: a release of 20 real services in 5 waves (per-wave orchestration overhead,
# release-wide rollback with all 20 promoted, users' failed requests), then planning and validation
# of a generated 1,000-service graph, in-process and as `glidepath validate` / `glidepath plan` processes.
# Settings through the environment: RUNS=5 (releases of each kind).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"

run_bench io.glidepath.bench.ReleaseBench
echo
files="$(mktemp -d)"
run_bench io.glidepath.bench.PlanBench "$files"
echo
# the same as a user meets it: one process each, JVM start included (median of 5); the floor first:
# the same command on the 4-service shop release
timed "floor: glidepath validate shop-v1.yaml (4 services)" "$root/glidepath" validate "$root/examples/shop/shop-v1.yaml"
for cmd in validate plan; do
  timed "glidepath $cmd release-1000.yaml, whole process" "$root/glidepath" "$cmd" "$files/release-1000.yaml" --output json
done
t0=$(date +%s%N)
"$root/glidepath" validate "$files/release-1000-cycle.yaml" >/dev/null 2>"$files/cycle.err" && { echo "the cycle was accepted" >&2; exit 1; }
printf '%-52s %10s ms   %s\n' "glidepath validate (with a cycle), whole process" $(( ($(date +%s%N) - t0) / 1000000 )) "$(head -1 "$files/cycle.err")"
rm -rf "$files"
