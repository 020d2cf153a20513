#!/usr/bin/env bash
# Measures how an averaging round's cost grows with workers and parameters, for the scaling model
# in benchmarks/results/spark-scaling.md: standalone clusters of 1, 2 and 4 single-core workers on
# this machine (deploy/standalone-cluster.sh), each training the 5k subset at a fixed batch per
# worker, and the trainer's round breakdown.
# Usage: [AVERAGING=barrier|driver] benchmarks/spark/scaling.sh [models, default m0,m3] [workers, default 1,2,4]
#        [batch per worker, default 32]
# AVERAGING=barrier (default; what `averaging: auto` runs on clusters of up to 8 workers): the workers exchange
#   over their own connections in one barrier stage a chunk. Each run trains WARM_ROUNDS (default 600) rounds
#   before the epoch it measures, as warm as benchmarks/spark/run.sh's, in chunks of CHUNK_ROUNDS (default 100).
#   Writes benchmarks/results/spark-scaling-measured-barrier.md.
# AVERAGING=driver: a Spark job per round, averaged on the driver; one epoch, the chunks after the first (these
#   rounds cost 0.2-2 s, so the JIT's warm-up is a small part of them). Writes spark-scaling-measured-driver.md.
# MVN_ARGS: more Maven arguments for the build, e.g. -o.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
models="${1:-m0,m3}"; workers_list="${2:-1,2,4}"; per="${3:-32}"
averaging="${AVERAGING:-barrier}"; warm_rounds="${WARM_ROUNDS:-600}"; chunk_rounds="${CHUNK_ROUNDS:-100}"
case "$averaging" in
  barrier|driver) ;;
  *) echo "scaling.sh: AVERAGING=$averaging: expected barrier or driver" >&2; exit 2 ;;
esac
[ "$averaging" = driver ] && chunk_rounds=10  # a line of round times every 10 rounds
work="$root/target/spark-scaling"; rm -rf "$work"; mkdir -p "$work"
out="$root/benchmarks/results/spark-scaling-measured-$averaging.md"
mvn -q -B ${MVN_ARGS:-} -Pcluster -DskipTests package
{
  echo "# Averaging rounds on standalone clusters of single-core workers (raw measurements, averaging: $averaging)"
  echo
  echo "- command: \`AVERAGING=$averaging WARM_ROUNDS=$warm_rounds CHUNK_ROUNDS=$chunk_rounds benchmarks/spark/scaling.sh $models $workers_list $per\`"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  if [ "$averaging" = barrier ]; then
    echo "- each row: data/fashion-mnist-5k (4,000 images, 32x32, 10 classes), $per images per worker, averaging every minibatch in barrier stages of up to $chunk_rounds rounds, Spark's network encryption on (each state sealed with AES-GCM); ms per round per worker, mean over the last epoch's chunks after $warm_rounds warm-up rounds; waiting is the part of the exchange spent waiting for the slowest worker"
    echo
    echo "| model | parameters | workers | epochs | rounds | round ms | worker set-up | data | fit | exchange | waiting | Spark |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  else
    echo "- each row: one epoch of data/fashion-mnist-5k (4,000 images, 32x32, 10 classes), $per images per worker, averaging every minibatch; ms per round, mean over the chunks after the first"
    echo
    echo "| model | parameters | workers | rounds | round ms | broadcast | worker set-up | fit | Spark and averaging |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  fi
} > "$out"
for n in ${workers_list//,/ }; do
  export MICRONET_CLUSTER_DIR="$work/cluster-$n"
  master="$(deploy/standalone-cluster.sh start "$n" 1 2g)"
  trap 'deploy/standalone-cluster.sh stop' EXIT
  rounds_per_epoch=$(( (4000 + per * n - 1) / (per * n) ))
  if [ "$averaging" = barrier ]; then
    epochs=$(( (warm_rounds + rounds_per_epoch - 1) / rounds_per_epoch + 1 ))
    measured_chunks=$(( (rounds_per_epoch + chunk_rounds - 1) / chunk_rounds ))
  else
    epochs=1; measured_chunks=-1
  fi
  for m in ${models//,/ }; do
    log="$work/$m-$n.log"
    deploy/spark-submit.sh --master "$master" --deploy-mode client --executor-cores 1 --executor-memory 1500m \
      --conf spark.cores.max="$n" -- train --config configs/runs/quickstart.yaml --set model="$m" --set inputSize=32 \
      --set batchSizePerWorker="$per" --set workers="$n" --set epochs="$epochs" --set warmupEpochs=0 \
      --set progress.everyRounds="$chunk_rounds" --set averaging="$averaging" \
      --set data.train="$root/data/fashion-mnist-5k/fashion-mnist-ilsvrc" \
      --set output="$work/$m-$n" --set export="$work/$m-$n-export" > "$log" 2>&1
    params=$(sed -n 's/.*: \([0-9]*\) parameters,.*/\1/p' "$log" | head -1)
    python3 - "$log" "$m" "$params" "$n" "$epochs" "$measured_chunks" "$averaging" >> "$out" <<'PY'
import re, sys
log, model, params, n, epochs, chunks, averaging = sys.argv[1:]
pattern = (r'(\d+) rounds of (\d+) ms: broadcast (\d+), worker set-up (\d+), data (\d+), fit (\d+), exchange (\d+), '
           r'Spark (-?\d+)(?: \(of the exchange, (\d+) waiting\))?')
rows = [re.search(pattern, l) for l in open(log) if 'rounds of' in l]
rows = rows[1:] if int(chunks) < 0 else rows[-int(chunks):]  # driver: after the first chunk; barrier: the last epoch
k = sum(int(r.group(1)) for r in rows)
mean = lambda i: sum(int(r.group(1)) * int(r.group(i) or 0) for r in rows) / k
cells = [mean(i) for i in ((2, 4, 5, 6, 7, 9, 8) if averaging == 'barrier' else (2, 3, 4, 6, 8))]
lead = [model, params, n] + ([epochs] if averaging == 'barrier' else []) + [str(k)]
print('| ' + ' | '.join(lead + [f'{v:.0f}' for v in cells]) + ' |')
PY
  done
  deploy/standalone-cluster.sh stop
done
cat "$out"
