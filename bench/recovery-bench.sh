#!/usr/bin/env bash
# Crash recovery under load: the server killed with SIGKILL mid-canary (glidepath up starts a new one,
# which finishes the release first), the router killed with SIGKILL (glidepath up starts it again with
# its routes), and the anchor: nginx killed and restarted, same load, same run.
# Settings through the environment: RUNS=5. Needs nginx (apt-get install nginx).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
command -v nginx >/dev/null || { echo "needs nginx: apt-get install -y nginx" >&2; exit 2; }
run_bench io.glidepath.bench.RecoveryBench "$root/glidepath"
