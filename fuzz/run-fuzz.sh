#!/usr/bin/env bash
# Fuzzes every @FuzzTest target (or the Class#method targets named) for SECONDS each with Jazzer, one JVM per
# target, and fails when any target finds an input that breaks its invariant. Usage:
#   fuzz/run-fuzz.sh SECONDS [Class#method ...]        e.g. fuzz/run-fuzz.sh 15    fuzz/run-fuzz.sh 300 NpzFuzzTest#npz
# Each target starts from its committed corpus (src/test/resources/org/sae4j/fuzz/<Class>Inputs/<method>/) and
# grows a working corpus under fuzz/target/fuzz-corpus/. A finding is written to
# fuzz/target/fuzz-findings/<Class>/<method>/ (crash-*, timeout-*, oom-*; its bytes are printed in base64 too):
# fix the reader, then commit the input beside the seeds under a name saying what it broke, so that every
# `mvn verify` replays it. FUZZ_KEEP_GOING=N keeps fuzzing past up to N distinct findings (for campaigns).
# The JVM heap is the allocation bound (FUZZ_HEAP, default 512m, as in fuzz/pom.xml); -timeout is the hang bound.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: fuzz/run-fuzz.sh SECONDS [Class#method ...]}
shift
heap=${FUZZ_HEAP:-512m}
keep_going=${FUZZ_KEEP_GOING:-1}

java_bin=""
best=0
for j in ${JAVA_HOME:+$JAVA_HOME/bin/java} /usr/lib/jvm/*/bin/java; do
  [ -x "$j" ] || continue
  v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
  if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best" ]; then java_bin="$j"; best="$v"; fi
done
[ -n "$java_bin" ] || { echo "run-fuzz: needs a JDK >= 21" >&2; exit 1; }

# Compile the targets (and core) and write their class path; the reactor resolves core to core/target/classes.
mvn -B -q -pl fuzz -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/fuzz-classpath.txt
cp="fuzz/target/test-classes:$(cat fuzz/target/fuzz-classpath.txt)"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/src/test/java/org/sae4j/fuzz/*FuzzTest.java; do
    cls=$(basename "$f" .java)
    while read -r m; do targets+=("$cls#$m"); done < <(awk '/@FuzzTest/ {f=1; next}
      f && /void [A-Za-z0-9_]+\(/ {match($0, /void [A-Za-z0-9_]+\(/); print substr($0, RSTART+5, RLENGTH-6); f=0}' "$f")
  done
fi

failed=()
mkdir -p fuzz/target/fuzz-logs
printf '%-42s %10s %6s %6s %8s %s\n' target execs cov ft secs result
for t in "${targets[@]}"; do
  cls=${t%%#*}
  m=${t#*#}
  seeds="fuzz/src/test/resources/org/sae4j/fuzz/${cls}Inputs/$m"
  corpus="fuzz/target/fuzz-corpus/$cls/$m"
  findings="fuzz/target/fuzz-findings/$cls/$m"
  log="fuzz/target/fuzz-logs/$cls.$m.log"
  mkdir -p "$corpus" "$findings"
  [ -d "$seeds" ] || { echo "run-fuzz: $t has no corpus directory $seeds" >&2; exit 1; }
  start=$(date +%s)
  set +e
  "$java_bin" --add-modules=jdk.incubator.vector -Xmx"$heap" -XX:+EnableDynamicAgentLoading -cp "$cp" \
    com.code_intelligence.jazzer.Jazzer --target_class="org.sae4j.fuzz.$cls" --target_method="$m" \
    --instrumentation_includes='org.sae4j.**' --keep_going="$keep_going" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" \
    "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  found=$(find "$findings" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    result="FINDING (exit $rc; $found input(s) in $findings; log $log)"
    failed+=("$t")
    grep -E '^== Java Exception|^Caused by|^\s+at org\.sae4j\.' "$log" | grep -v 'org.sae4j.fuzz' | head -n 8 >&2 || true
  else
    result=ok
  fi
  printf '%-42s %10s %6s %6s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$took" "$result"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run-fuzz: ${#failed[@]} target(s) found inputs that break the invariant: ${failed[*]}" >&2
  exit 1
fi
echo "run-fuzz: ${#targets[@]} targets, ${secs} s each, no findings"
