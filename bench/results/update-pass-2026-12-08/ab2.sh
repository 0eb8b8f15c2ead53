# A third pair per shape, same window as ab.sh, order rotated again.
cd /work/wt-update/bench/results/update-pass-2026-12-08
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
run() { jar=$1; name=$2; shift 2
  echo "=== $(date -u +%H:%M:%S) $jar $name" >> ab-window.txt
  $J -jar /work/update-jars/$jar.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 5 -w 2s -r 3s -p activation=topk -p batch=1024 "$@" -p threads=2 > ab-$name-$jar.txt 2>&1
  tail -1 ab-$name-$jar.txt >> ab-window.txt; }
S1="-p dim=384 -p latents=24576 -p k=8"
S2="-p dim=768 -p latents=16384 -p k=32"
run base d768-k32-5 $S2; run block d768-k32-6 $S2
run block n24576-k8-5 $S1; run base n24576-k8-6 $S1
echo "=== end $(date -u +%H:%M:%S)" >> ab-window.txt
