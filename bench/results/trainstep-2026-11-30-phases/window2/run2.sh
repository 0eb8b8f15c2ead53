#!/bin/bash
# Second window: TopK and JumpReLU l0=64 only, alternating old/new, three repetitions.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
cd /tmp/sae4j-bench
CFGS=(
 "topk|-p activation=topk -p batch=1024 -p dim=768 -p latents=16384 -p k=32 -p threads=2"
 "jumprelu64|-p activation=jumprelu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
)
for rep in 4 5 6; do
  if [ $((rep % 2)) = 0 ]; then ORDER="new old"; else ORDER="old new"; fi
  for c in "${CFGS[@]}"; do
    name=${c%%|*}; params=${c#*|}
    for b in $ORDER; do
      echo "$(date -u +%H:%M:%S) rep=$rep cfg=$name build=$b load=$(cut -d' ' -f1-3 /proc/loadavg)" >> log2.txt
      $J -jar $b.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 5 -w 2s -r 3s $params \
         -rf json -rff out2/$name-$b-$rep.json > out2/$name-$b-$rep.txt 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) done load=$(cut -d' ' -f1-3 /proc/loadavg)" >> log2.txt
