#!/usr/bin/env bash
# Spark's overhead on training, as ratios to a single JVM measured in the same run: images/s of
# (1) plain DL4J fit in one JVM (bin/micronet benchmark --mode train, random data),
# (2) the training job on Spark local mode with 2 workers, (3) the same on a standalone cluster
# of 2 workers on this machine (deploy/standalone-cluster.sh). Data: the bundled sample.
# Usage: benchmarks/spark/run.sh [models, default m0,m2] [input size, default 32] [batch per worker, default 20] [epochs, default 3]
# Writes benchmarks/results/spark-throughput.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
models="${1:-m0,m2}"; size="${2:-32}"; batch="${3:-20}"; epochs="${4:-3}"
work="$root/target/spark-throughput"; rm -rf "$work"; mkdir -p "$work"
out="$root/benchmarks/results/spark-throughput.md"
mvn -q -B -Pcluster -DskipTests package
export MICRONET_CLUSTER_DIR="$work/cluster"
master="$(deploy/standalone-cluster.sh start 2 1 3g)"
trap 'deploy/standalone-cluster.sh stop' EXIT

# mean images/s of the epochs after the first (which pays for JIT warm-up and the data cache)
rate() { python3 -c "import json,sys; r=[json.loads(l)['images_per_sec'] for l in open(sys.argv[1])][1:]; print(f'{sum(r)/len(r):.1f}')" "$1"; }
sets=(--set inputSize="$size" --set batchSizePerWorker="$batch" --set workers=2 --set epochs="$epochs"
      --set data.train="$root/data/sample/fashion-mnist-ilsvrc")
{
  echo "# Spark overhead on training throughput"
  echo
  echo "- command: \`benchmarks/spark/run.sh $models $size $batch $epochs\`"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | sed -n 1p)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- images/s: single JVM = plain fit on one batch of $((2 * batch)) (the global batch), random data; Spark = mean of epochs 2..$epochs of \`metrics.jsonl\` (fit time only, bundled sample, averaging every minibatch)"
  echo
  echo "| model | single JVM | Spark local[2] | standalone, 2 workers | local / single | standalone / single |"
  echo "|---|---:|---:|---:|---:|---:|"
} > "$out"
for m in ${models//,/ }; do
  single=$(bin/micronet benchmark --model "$m" --mode train --size "$size" --batch $((2 * batch)) --iterations 10 2>/dev/null \
    | sed -n 's/^images_per_sec: //p')
  bin/micronet train --config configs/runs/quickstart.yaml --set model="$m" "${sets[@]}" \
    --set output="$work/local-$m" --set export="$work/local-$m-export" > "$work/local-$m.log" 2>&1
  deploy/spark-submit.sh --master "$master" --deploy-mode client --executor-cores 1 --executor-memory 2g \
    --conf spark.cores.max=2 -- train --config configs/runs/quickstart.yaml --set model="$m" "${sets[@]}" \
    --set output="$work/cluster-$m" --set export="$work/cluster-$m-export" > "$work/cluster-$m.log" 2>&1
  local_rate=$(rate "$work/local-$m/metrics.jsonl"); cluster_rate=$(rate "$work/cluster-$m/metrics.jsonl")
  python3 -c "import sys; s,l,c=map(float,sys.argv[2:]); print(f'| {sys.argv[1]} | {s:.1f} | {l:.1f} | {c:.1f} | {l/s:.2f} | {c/s:.2f} |')" \
    "$m" "$single" "$local_rate" "$cluster_rate" >> "$out"
done
cat "$out"
