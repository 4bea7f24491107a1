# Sourced by the benchmarks' scripts: sets java_bin to a JDK >= 21 (JAVA_HOME, then /usr/lib/jvm), or stops.
java_bin=""
for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
  v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 21 ]; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "needs a JDK >= 21" >&2; exit 2; }
