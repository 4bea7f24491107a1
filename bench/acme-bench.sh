#!/usr/bin/env bash
# Issue 14's ACME benchmark: time from a route's creation (PUT through the admin API) to the first
# HTTPS request that succeeds for its host, the certificate issued by pebble (Let's Encrypt's test CA,
# Debian's package) through HTTP-01 answered by the router itself, verified against pebble's root.
# No nginx or HAProxy anchor: neither gets certificates by itself (nginx needs certbot beside it).
# Settings through the environment: NAMES=20 (routes created one after the other, each timed).
# Needs pebble, openssl, python3: apt-get install -y pebble openssl python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
for c in pebble pebble-challtestsrv openssl python3; do
  command -v "$c" >/dev/null || { echo "acme-bench: $c is missing (apt-get install -y pebble openssl python3)" >&2; exit 2; }
done
"$root/glidepath" --version >/dev/null   # builds the jar when stale
exec python3 "$here/acme_bench.py" "$root/glidepath" "${NAMES:-20}"
