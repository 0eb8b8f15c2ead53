#!/bin/bash
# One measurement round, alternating PyTorch and sae4j. $1 = round id
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
PY="/usr/bin/python3 /work/wt/issue-14-encoder/bench/scripts/encode_reference.py"
export LD_LIBRARY_PATH=/tmp/i14-openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread
cd /tmp/i14-bench
r=$1
{ date -u; uptime; } > r$r.meta
# PyTorch: 1 thread for single vectors (as sae4j's single path), 2 threads (all cores) for batches.
OPENBLAS_NUM_THREADS=1 $PY --threads 1 --batch-dims '' --repeats 2 --seconds 3 > r$r.torch1.txt 2>&1
uptime >> r$r.meta
$J -Djmh.ignoreLock=true -jar benchmarks.jar 'EncodeBench.single$' -p mode=float32,bf16,int8 -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff r$r.single.json > r$r.single.txt 2>&1
uptime >> r$r.meta
OPENBLAS_NUM_THREADS=2 $PY --threads 2 --dims '' --batch-dims 768 --repeats 1 --seconds 3 > r$r.torch2.txt 2>&1
uptime >> r$r.meta
$J -Djmh.ignoreLock=true -jar benchmarks.jar 'EncodeBench.(batch|gemm)$' -p mode=float32 -p dim=768 -f 1 -wi 2 -i 4 -w 2s -r 2s -rf json -rff r$r.batch.json > r$r.batch.txt 2>&1
uptime >> r$r.meta
OPENBLAS_NUM_THREADS=1 $PY --threads 1 --batch-dims '' --repeats 1 --seconds 3 > r$r.torch1b.txt 2>&1
{ uptime; date -u; } >> r$r.meta
