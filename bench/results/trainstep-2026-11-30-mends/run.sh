#!/bin/bash
# TrainStepBench after the review mends: pre = 3f09f56 (phases, before the LossTerm contract), mid = 19c6e75
# (the contract), now = 9448843 (per-latent sums back in one parallel pass). Alternated, order rotated.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
cd "${BENCH_DIR:-/tmp/tsb2}"  # holds pre.jar, mid.jar, now.jar and out/
CFGS=(
 "topk|-p activation=topk -p batch=1024 -p dim=768 -p latents=16384 -p k=32 -p threads=2"
 "topk64k|-p activation=topk -p batch=1024 -p dim=512 -p latents=65536 -p k=32 -p threads=2"
 "jumprelu64|-p activation=jumprelu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "relu0|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=0 -p threads=2"
)
for rep in 1 2; do
  case $rep in 1) ORDER="pre mid now";; 2) ORDER="now mid pre";; esac
  for c in "${CFGS[@]}"; do
    name=${c%%|*}; params=${c#*|}
    for b in $ORDER; do
      echo "$(date -u +%H:%M:%S) rep=$rep cfg=$name build=$b load=$(cut -d' ' -f1-3 /proc/loadavg)" >> log.txt
      $J -jar $b.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 5 -w 2s -r 3s $params \
         -rf json -rff out/$name-$b-$rep.json > out/$name-$b-$rep.txt 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) done load=$(cut -d' ' -f1-3 /proc/loadavg)" >> log.txt
