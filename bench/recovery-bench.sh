#!/usr/bin/env bash
# Crash recovery under load: the server killed with SIGKILL mid-canary (glidepath up starts a new one,
# which finishes the release first), the router killed with SIGKILL (glidepath up starts it again with
# its routes), and the anchor: nginx killed and restarted, same load, same run.
# Settings through the environment: RUNS=5, PARTS=server,router,nginx (e.g. PARTS=router for the router
# kill alone). Needs nginx (apt-get install nginx).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
[[ "${PARTS:-nginx}" != *nginx* ]] || command -v nginx >/dev/null || { echo "needs nginx: apt-get install -y nginx" >&2; exit 2; }
run_bench io.glidepath.bench.RecoveryBench "$root/glidepath"
# the floor under every `glidepath up` above: the launcher and a JVM doing nothing (median of 5)
times=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N); "$root/glidepath" --version >/dev/null; times+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
printf '%-64s %10s ms   (runs: %s)\n' "floor: glidepath --version, whole process" "${sorted[2]}" "${times[*]}"
