#!/usr/bin/env bash
# Router throughput, latency and CPU per request against nginx and HAProxy, same machine, same run.
# Installs nginx, haproxy, wrk, h2load (nghttp2-client) and openssl with apt-get when missing (needs root), builds the jar when needed,
# then runs bench/proxy_bench.py. Settings through the environment:
#   DURATION=20 ROUNDS=3 CONNECTIONS=64 SCENARIOS="single split tls h2"   (see proxy_bench.py)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

missing=()
for tool in nginx haproxy wrk h2load openssl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$([ "$tool" = h2load ] && echo nghttp2-client || echo "$tool")")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed to drive the benchmark" >&2; exit 2; }

# builds the jar when it is missing or stale, and tells us which java the launcher picked
"$root/glidepath" --version >/dev/null
exec python3 "$here/proxy_bench.py" "$@"
