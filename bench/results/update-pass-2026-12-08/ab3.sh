# d=768 only, a longer pair (10 iterations) after ab2.sh's noisy pair.
cd /work/wt-update/bench/results/update-pass-2026-12-08
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
run() { jar=$1; name=$2; shift 2
  echo "=== $(date -u +%H:%M:%S) $jar $name (-i 10)" >> ab-window.txt
  $J -jar /work/update-jars/$jar.jar 'TrainStepBench.fused$' -f 1 -wi 3 -i 10 -w 2s -r 3s -p activation=topk -p batch=1024 "$@" -p threads=2 > ab-$name-$jar.txt 2>&1
  tail -1 ab-$name-$jar.txt >> ab-window.txt; }
S2="-p dim=768 -p latents=16384 -p k=32"
run block d768-k32-7 $S2; run base d768-k32-8 $S2
echo "=== end $(date -u +%H:%M:%S)" >> ab-window.txt
