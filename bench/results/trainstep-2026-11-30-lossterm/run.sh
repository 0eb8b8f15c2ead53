#!/bin/bash
# Alternates three TrainStepBench jars config by config: p0 = c1cdd35 (before the phase split, issue 17),
# old = 3f09f56 (phases, before the LossTerm contract), new = 19c6e75 (LossTerm contract, issue 18).
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
cd "${BENCH_DIR:-/tmp/tsb}"  # holds p0.jar, old.jar, new.jar and out/
CFGS=(
 "topk|-p activation=topk -p batch=1024 -p dim=768 -p latents=16384 -p k=32 -p threads=2"
 "relu64|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "jumprelu64|-p activation=jumprelu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "relu0|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=0 -p threads=2"
)
for rep in 1 2 3; do
  case $rep in 1) ORDER="p0 old new";; 2) ORDER="new old p0";; 3) ORDER="old new p0";; esac
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
