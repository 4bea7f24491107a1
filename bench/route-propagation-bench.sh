#!/usr/bin/env bash
# Issue 12's benchmark: a route change until every router replica serves it (1, 3, 5 replicas reading the
# route's ConfigMap on the fake cluster), and a rollback decision until every replica's data path answers
# from stable; side by side, one router changed through its admin API and nginx instances reloaded.
# Settings through the environment: CHANGES=100 ROLLBACKS=30 REPLICAS=1,3,5 NGINX=1 (needs nginx:
# apt-get install -y nginx; NGINX=0 leaves the anchor out).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.RoutePropagationBench
