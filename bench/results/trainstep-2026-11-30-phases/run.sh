#!/bin/bash
# Alternates the old (c1cdd35) and new (phases) benchmark jars, config by config, several repetitions.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
cd /tmp/sae4j-bench
CFGS=(
 "topk|-p activation=topk -p batch=1024 -p dim=768 -p latents=16384 -p k=32 -p threads=2"
 "relu64|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "jumprelu64|-p activation=jumprelu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "relu0|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=0 -p threads=2"
)
for rep in 1 2 3; do
  if [ $((rep % 2)) = 1 ]; then ORDER="old new"; else ORDER="new old"; fi
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
