#!/usr/bin/env bash
# Hostile release files refused by `glidepath validate` (issue 10): how long each refusal takes as a
# whole process (median of 5, JVM start included), its exit code and its first line, beside the floor:
# the same command on the 4-service shop release. Each must exit 2 with one located error, no stack trace.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
"$root/glidepath" --version >/dev/null   # builds the jar when stale
files="$(mktemp -d)"
trap 'rm -rf "$files"' EXIT
python3 - "$files" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
w("nested-flow.yaml", "[" * 20000)
w("nested-block.yaml", "".join("  " * i + "a:\n" for i in range(1000)))
w("nested-json.json", '{"services": ' + "[" * 20000)
laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]" for i in range(1, 10)]
w("billion-laughs.yaml", "\n".join(laughs) + "\n")
w("huge-scalar.yaml", "services:\n  - name: " + "x" * (3 << 20) + "\n")
with open(os.path.join(d, "binary.yaml"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
with open(os.path.join(d, "53mb.yaml"), "w") as f:
    f.write("services: []\n")
    f.truncate(53 * 1024 * 1024)
PY
timed() {
  local label="$1" file="$2" times=() sorted code line
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    set +e
    out="$("$root/glidepath" validate "$file" 2>&1)"
    code=$?
    set -e
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  line="$(printf '%s\n' "$out" | head -n 1 | cut -c1-110)"
  printf '%-34s %7s ms  exit %s  lines %3s  %s\n' "$label" "${sorted[2]}" "$code" "$(printf '%s\n' "$out" | wc -l)" "$line"
}
echo "glidepath validate on hostile files: median of 5 whole processes (JVM start included)"
timed "floor: shop-v1.yaml (valid)" "$root/examples/shop/shop-v1.yaml"
for f in nested-flow.yaml nested-block.yaml nested-json.json billion-laughs.yaml huge-scalar.yaml binary.yaml 53mb.yaml; do
  timed "$f" "$files/$f"
done
