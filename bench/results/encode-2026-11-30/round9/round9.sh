#!/bin/bash
# One quiet measurement round, alternating PyTorch and sae4j, on main's build. $1 = out dir
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
PY="/usr/bin/python3 /work/main/bench/scripts/encode_reference.py"
export LD_LIBRARY_PATH=/tmp/i14-openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread
JAR=/work/main/bench/target/benchmarks.jar
mkdir -p $1 && cd $1
{ date -u; uptime; lscpu | grep 'Model name'; } > meta
OPENBLAS_NUM_THREADS=1 $PY --threads 1 --batch-dims '' --repeats 2 --seconds 3 > torch1.txt 2>&1
uptime >> meta
$J -jar $JAR 'EncodeBench.single$' -p mode=float32,bf16,int8 -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff single.json > single.txt 2>&1
uptime >> meta
OPENBLAS_NUM_THREADS=2 $PY --threads 2 --dims '' --batch-dims 768 --repeats 1 --seconds 3 > torch2.txt 2>&1
uptime >> meta
$J -jar $JAR 'EncodeBench.(batch|gemm)$' -p mode=float32 -p dim=768 -f 1 -wi 2 -i 4 -w 2s -r 2s -rf json -rff batch.json > batch.txt 2>&1
uptime >> meta
OPENBLAS_NUM_THREADS=1 $PY --threads 1 --batch-dims '' --repeats 1 --seconds 3 > torch1b.txt 2>&1
{ uptime; date -u; } >> meta
