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
