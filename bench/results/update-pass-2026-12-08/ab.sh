cd /work/wt-update/bench/results/update-pass-2026-12-08
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
run() { # jar shape-name params...
  jar=$1; name=$2; shift 2
  echo "=== $(date -u +%H:%M:%S) $jar $name" >> ab-window.txt
  $J -jar /work/update-jars/$jar.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 5 -w 2s -r 3s -p activation=topk -p batch=1024 "$@" -p threads=2 > ab-$name-$jar.txt 2>&1
  tail -1 ab-$name-$jar.txt >> ab-window.txt
}
S1="-p dim=384 -p latents=24576 -p k=8"
S2="-p dim=768 -p latents=16384 -p k=32"
i=1; for jar in base block block base; do run $jar n24576-k8-$i $S1; i=$((i+1)); done
i=1; for jar in block base base block; do run $jar d768-k32-$i $S2; i=$((i+1)); done
echo "=== end $(date -u +%H:%M:%S)" >> ab-window.txt
