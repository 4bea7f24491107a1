#!/usr/bin/env bash
# Many routes: the router's memory, route-change latency and data-path lookup at 1,000, 3,000 and 10,000 routes,
# beside nginx with as many server blocks. Installs nginx and wrk with apt-get when missing (needs root),
# builds the jar when needed, then runs bench/route_scale_bench.py. Settings through the environment:
#   ROUTES="1000 3000 10000" CHANGES=200 DURATION=10 CONNECTIONS=64
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
missing=()
for tool in nginx wrk; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$root/glidepath" --version >/dev/null
exec python3 "$here/route_scale_bench.py" "$@"
