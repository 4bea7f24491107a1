#!/usr/bin/env bash
# Deployments under steady load: orchestration overhead, users' failed requests, rollback timings.
# Builds the project when needed, then runs io.glidepath.bench.DeployBench on a JDK >= 21.
# Settings through the environment: RUNS=10 (deployments of each kind).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.DeployBench
