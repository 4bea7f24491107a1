#!/usr/bin/env bash
# Servers nobody here wrote (Python's http.server on /web/, HAProxy on /health or /ready) shipped under
# steady load: canary promoted, broken canary rolled back, blue-green promoted, RUNS cycles; users'
# failed requests (target 0) and rollback timings. The anchor in the same run: the same servers behind
# nginx, switched by rewriting its configuration and `nginx -s reload`, RUNS x 3 times.
# Installs nginx, haproxy and python3 with apt-get when missing (needs root), builds, then runs
# io.glidepath.bench.ForeignBench. Settings through the environment: RUNS=3 (cycles).
set -euo pipefail
missing=()
for tool in nginx haproxy python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.ForeignBench
