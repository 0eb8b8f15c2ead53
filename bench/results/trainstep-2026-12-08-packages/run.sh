#!/bin/bash
# TrainStepBench before and after issue 26's restructuring: before = 8e70b4e (old packages, per-phase buffers),
# after = 8a64fb7 (packages by job, StepTensors/StepGrads, commands as objects). Alternated, order rotated.
# Jars: `mvn -B -q -pl bench -am package -DskipTests` at each commit, copied to before.jar and after.jar.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
cd "${BENCH_DIR:-/tmp/tsb26}"  # holds before.jar, after.jar and out/
mkdir -p out
CFGS=(
 "topk|-p activation=topk -p batch=1024 -p dim=768 -p latents=16384 -p k=32 -p threads=2"
 "topk-wide|-p activation=topk -p batch=1024 -p dim=384 -p latents=24576 -p k=8 -p threads=2"
 "jumprelu64|-p activation=jumprelu -p batch=1024 -p dim=768 -p latents=16384 -p l0=64 -p threads=2"
 "relu0|-p activation=relu -p batch=1024 -p dim=768 -p latents=16384 -p l0=0 -p threads=2"
)
for rep in 1 2; do
  case $rep in 1) ORDER="before after";; 2) ORDER="after before";; esac
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
# Then, because the first two topk-wide pairs disagreed (0.98, 0.91), three more pairs of that shape with 8
# measurement iterations, order before-after, after-before, before-after (reps 3-5):
#   $J -jar $b.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 8 -w 2s -r 3s <topk-wide params> -rf json -rff out/topk-wide-$b-$rep.json
