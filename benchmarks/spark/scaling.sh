#!/usr/bin/env bash
# Measures how an averaging round's cost grows with workers and parameters, for the scaling model
# in benchmarks/results/spark-scaling.md: standalone clusters of 1, 2 and 4 single-core workers on
# this machine (deploy/standalone-cluster.sh), each training one epoch of the 5k subset at a fixed
# batch per worker, and the trainer's round breakdown of its chunks after the first. The model is
# of driver averaging (a Spark job per round), so the runs set averaging: driver.
# Usage: benchmarks/spark/scaling.sh [models, default m0,m3] [workers, default 1,2,4] [batch per worker, default 32]
# Writes benchmarks/results/spark-scaling-measured.md (the raw rows the model is fitted to).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
models="${1:-m0,m3}"; workers_list="${2:-1,2,4}"; per="${3:-32}"
work="$root/target/spark-scaling"; rm -rf "$work"; mkdir -p "$work"
out="$root/benchmarks/results/spark-scaling-measured.md"
mvn -q -B ${MVN_ARGS:-} -Pcluster -DskipTests package
{
  echo "# Averaging rounds on standalone clusters of single-core workers (raw measurements)"
  echo
  echo "- command: \`benchmarks/spark/scaling.sh $models $workers_list $per\`"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- each row: one epoch of data/fashion-mnist-5k (4,000 images, 32x32, 10 classes), $per images per worker, averaging every minibatch; ms per round, mean over the chunks after the first"
  echo
  echo "| model | parameters | workers | rounds | round ms | broadcast | worker set-up | fit | Spark and averaging |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$out"
for n in ${workers_list//,/ }; do
  export MICRONET_CLUSTER_DIR="$work/cluster-$n"
  master="$(deploy/standalone-cluster.sh start "$n" 1 2g)"
  trap 'deploy/standalone-cluster.sh stop' EXIT
  for m in ${models//,/ }; do
    log="$work/$m-$n.log"
    deploy/spark-submit.sh --master "$master" --deploy-mode client --executor-cores 1 --executor-memory 1500m \
      --conf spark.cores.max="$n" -- train --config configs/runs/quickstart.yaml --set model="$m" --set inputSize=32 \
      --set batchSizePerWorker="$per" --set workers="$n" --set epochs=1 --set warmupEpochs=0 --set progress.everyRounds=10 --set averaging=driver \
      --set data.train="$root/data/fashion-mnist-5k/fashion-mnist-ilsvrc" \
      --set output="$work/$m-$n" --set export="$work/$m-$n-export" > "$log" 2>&1
    params=$(sed -n 's/.*: \([0-9]*\) parameters,.*/\1/p' "$log" | head -1)
    python3 - "$log" "$m" "$params" "$n" >> "$out" <<'PY'
import re, sys
log, model, params, n = sys.argv[1:]
rows = [re.search(r'(\d+) rounds of (\d+) ms: broadcast (\d+), worker set-up (\d+), data \d+, fit (\d+), exchange \d+, Spark (-?\d+)', l)
        for l in open(log) if 'rounds of' in l][1:]
k = sum(int(r.group(1)) for r in rows)
mean = [sum(int(r.group(1)) * int(r.group(i)) for r in rows) / k for i in range(2, 7)]
print(f"| {model} | {params} | {n} | {k} | " + " | ".join(f"{v:.0f}" for v in mean) + " |")
PY
  done
  deploy/standalone-cluster.sh stop
done
cat "$out"
