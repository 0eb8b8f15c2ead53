#!/bin/bash
# GEMM sweep behind src/docs/benchmarks.md: per shape (B=1024, d × n), OpenBLAS sgemm with 1 and 2 threads, then
# JMH GemmBench.panama / panamaPrepacked with threads=1,2, then OpenBLAS again (before/after brackets the JMH run on
# a shared machine); then EJML and scalar on the small shapes and the other dense products.
# Needs: bench/target/benchmarks.jar (mvn -B -q -pl kernels,core,bench -am package -DskipTests), a JDK >= 21 as
# $JAVA (default: java), python3-numpy + libopenblas0-pthread, ../shared/tools/openblas_gemm.py.
# Usage: bench/scripts/gemm-sweep.sh OUTDIR > OUTDIR/sweep.txt ; python3 bench/scripts/gemm-table.py OUTDIR OUTDIR/sweep.txt
set -u
cd "$(dirname "$0")/../.."
J=${JAVA:-java}
OUT=${1:?output directory}; mkdir -p "$OUT"
TOOL=${OPENBLAS_TOOL:-../shared/tools/openblas_gemm.py}
OB() { OPENBLAS_NUM_THREADS=$1 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$TOOL" --m 1024 --k $2 --n $3 --reps 15; }
# JMH refuses to start while another JMH run holds /tmp/jmh.lock: wait for it rather than measure side by side.
JMH() {
  tag=$1; shift
  for try in $(seq 60); do
    "$J" -jar bench/target/benchmarks.jar "$@" -rf json -rff "$OUT/$tag.json" > "$OUT/$tag.log" 2>&1
    grep -q "Unable to acquire the JMH lock" "$OUT/$tag.log" || break
    echo "(JMH lock held by another run; waiting)"; sleep 20
  done
  grep -E "^GemmBench" "$OUT/$tag.log"
}
for d in ${DIMS:-512 768 1024}; do
  for n in ${LATENTS:-4096 16384 32768}; do
    echo "== d=$d n=$n $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "openblas1 $(OB 1 $d $n)"; echo "openblas2 $(OB 2 $d $n)"
    JMH panama-$d-$n 'GemmBench.panama(Prepacked)?$' -p batch=1024 -p dim=$d -p latents=$n -p threads=1,2 -f 1 -wi 3 -i 8 -w 1s -r 1s
    echo "openblas1 $(OB 1 $d $n)"; echo "openblas2 $(OB 2 $d $n)"
  done
done
[ -n "${SKIP_SLOW:-}" ] && exit 0
echo "== ejml $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
JMH ejml-4096 'GemmBench.ejml$' -p batch=1024 -p dim=512,768,1024 -p latents=4096 -p threads=1 -f 1 -wi 1 -i 3 -w 2s -r 2s
JMH ejml-16384 'GemmBench.ejml$' -p batch=1024 -p dim=768 -p latents=16384 -p threads=1 -f 1 -wi 1 -i 3 -w 1s -r 1s
echo "== scalar $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
JMH scalar-768-4096 'GemmBench.scalar$' -p batch=1024 -p dim=768 -p latents=4096 -p threads=1,2 -f 1 -wi 1 -i 3 -w 2s -r 2s
echo "== strided $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
JMH strided-768-16384 'GemmBench.panamaMult(TransA)?$' -p batch=1024 -p dim=768 -p latents=16384 -p threads=1,2 -f 1 -wi 3 -i 8 -w 1s -r 1s
echo "== done $(date -u +%T)"
