#!/usr/bin/env bash
# A busy table during a schema change (rename a column, index another), two ways in the same run on the
# same PostgreSQL (embedded, started from the jar): Glidepath's expand/contract, and the same change as
# plain statements in one migration. Prints writes, failed writes, and write latency p50/p99/max during
# the change, beside the writers' figures before it.
# Settings through the environment: ROWS=1000000, WRITERS=8, RATE=2000 (writes/s in total).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.MigrationBench
