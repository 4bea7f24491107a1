#!/usr/bin/env bash
# Fleets (issue 15): 100 customers (a light Python server each) in 4 rings on a real router and server:
# orchestration overhead per customer beyond its wait and process start, beside the same customer shipped
# as a release of its own in the same run; the time from the failure budget being exceeded to every
# updated customer back; and the plan of a 1,000-customer fleet, in-process and as `glidepath plan` (a
# process, JVM start included, beside the same command on the 4-service shop release). Settings: RUNS=3.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/java-bench.sh"
run_bench io.glidepath.bench.FleetBench "$here/fleet/tiny_server.py"
echo
files="$(mktemp -d)"
trap 'rm -rf "$files"' EXIT
python3 - "$files" <<'PY'
import sys
out = sys.argv[1]
with open(out + "/customers.yaml", "w") as f:
    f.write("customers:\n")
    for i in range(1, 1001):
        f.write("  - {name: c%04d, host: c%04d.fleet.test%s}\n" % (i, i, ", env: {PLAN: gold}" if i % 10 == 0 else ""))
with open(out + "/fleet-1000.yaml", "w") as f:
    f.write("""release: fleet-1000
services:
  - name: web
    version: v2
    run: {command: [python3, tiny_server.py], env: {PORT: "{{port}}", VERSION: "{{version}}"}}
    route: {pathPrefix: /}
    strategy: canary
    steps: [{weight: 50}, {bake: 30s}]
    fleet:
      file: customers.yaml
      maxParallel: 20
      bake: 5m
      rings: [{name: first, customers: [c0001]}, {name: early, share: 5%}, {name: wide, share: 25%}, {name: rest}]
      failureBudget: {max: 1%, then: rollback}
""")
PY
timed "floor: glidepath plan shop-v1.yaml (4 services), whole process" "$root/glidepath" plan "$root/examples/shop/shop-v1.yaml" --output json
timed "glidepath plan fleet-1000.yaml (1,000 customers), whole process" "$root/glidepath" plan "$files/fleet-1000.yaml" --output json
