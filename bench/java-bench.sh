# Sourced by the Java benchmarks' scripts: builds the project when needed, then defines
# run_bench CLASS [ARGS...], which runs a main class of bench/deploy-bench on a JDK >= 21.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
"$root/glidepath" --version >/dev/null   # builds the jars when stale
(cd "$root" && mvn -B -q install -DskipTests >/dev/null)
cp_file="$(mktemp)"
(cd "$here/deploy-bench" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
source "$here/jdk.sh"
run_bench() {
  "$java_bin" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$here/deploy-bench/target/classes:$(cat "$cp_file")" "$@"
}

# timed LABEL COMMAND...: runs a command five times, prints the median and every run in milliseconds
timed() {
  local label="$1" times=() sorted
  shift
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    "$@" >/dev/null
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  printf '%-62s %10s ms   (runs: %s)\n' "$label" "${sorted[2]}" "${times[*]}"
}
