#!/usr/bin/env bash
# Fleets (issue 15): 100 customers (a light Python server each) in 4 rings on a real router and server:
# orchestration overhead per customer beyond its wait and process start, beside the same customer shipped
# as a release of its own in the same run; the time from the failure budget being exceeded to every
# updated customer back; and the plan of a 1,000-customer fleet. Settings: RUNS=3.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.FleetBench "$here/fleet/tiny_server.py"
