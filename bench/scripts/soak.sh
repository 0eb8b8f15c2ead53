#!/usr/bin/env bash
# The service soak (src/docs/benchmarks.md, "The service soak"): a saved model and vector pool, their codes from
# the CLI, then EncodeServiceSoak against them. Usage: bench/scripts/soak.sh OUT_DIR [EncodeServiceSoak run options]
# Build first: mvn -B -q -pl kernels,core,bench -am package -DskipTests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"; shift
java="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
mkdir -p "$out"
{ lscpu | grep -E 'Model name|^CPU\(s\)'; echo "before: $(uptime)"; } > "$out/machine.txt"
"$java" --add-modules jdk.incubator.vector -cp "$root/bench/target/benchmarks.jar" \
    org.sae4j.bench.EncodeServiceSoak prepare dir="$data"
"$root/sae4j" encode --model "$data/model" --data "$data/vectors.npy" --out "$data/codes"
"$java" -Xmx1g --add-modules jdk.incubator.vector -cp "$root/bench/target/benchmarks.jar" \
    org.sae4j.bench.EncodeServiceSoak run dir="$data" "$@" 2>&1 | grep --line-buffered -v 'WARNING: Using incubator' | tee "$out/soak.log"
echo "after: $(uptime)" >> "$out/machine.txt"
