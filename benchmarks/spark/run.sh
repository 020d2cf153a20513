#!/usr/bin/env bash
# Spark's overhead on training, as ratios to a single JVM measured in the same run: images/s of
# (1) plain DL4J fit in one JVM on one batch of the global size (bin/micronet benchmark --mode
# train, random data, the 10-class head the Spark runs train; the faster of one thread and all; by its median step,
# and by its mean, which counts pauses as the Spark runs' epochs do), (2) the training job on Spark
# local[2] with 2 workers, (3) the same on a standalone cluster of 2 single-core workers on this
# machine (deploy/standalone-cluster.sh), averaging every minibatch, whose workers share this host's memory,
# and (3b) the same cluster with spark.micronet.exchange.sharedMemory=false, as workers on different hosts
# exchange (over their connections, sealed); all in turn, RUNS times
# (default 3), since this machine's speed drifts by a third between minutes; the single JVM is measured
# again after each Spark run, whose ratio is to the mean of the single JVM right before and after it. Data:
# the bundled 5,000-image Fashion-MNIST subset (4,000 train), whose epoch is a single short chunk, so that each chunk's
# fixed cost weighs on it; DATA=<an ingest output> measures on that instead (e.g. the recipe's full Fashion-MNIST,
# target/runs/fashion-mnist-m0/ingest/fmnist-ilsvrc after a run of configs/runs/fashion-mnist-m0.yaml, whose
# epochs hold chunks of the default length) and writes spark-throughput-<its name>.md.
# It also prints where a round's time goes (the trainer's "rounds of" log lines, last epoch), and (4) the ceiling
# of the cluster's workers: two one-thread JVMs fitting half the global batch each at the same time, with no
# exchange (images/s of the two together, by their median steps and by their means).
# Usage: [AVERAGING=auto|barrier|driver] benchmarks/spark/run.sh [models, default m0] [input size, default 32]
#        [global batches, default 40,128] [epochs, default auto: enough for WARM_ROUNDS averaging rounds before
#        the last epoch, the one measured]
# WARM_ROUNDS (default 7500): the single JVM warms up until its JIT has gone quiet (1,186-1,550 steps, 20 s, at
# global batch 40), so the Spark runs must be as warm. An executor is not after as many rounds: it compiles Spark's,
# the loader's, the exchange's and the validation's code as well as the network's, for itself, on the cores its
# worker fits on. On the standalone cluster at global batch 40 (2026-12-05 11:30) each executor's JIT compiled for
# 64 s in all and took 13-19% of a core through the 2nd and 3rd epochs (3,000-4,500 rounds), which read 2,572 and
# 2,577 images/s; it went quiet in the 6th, and the 6th to 9th read 3,843, 3,860, 3,507 and 3,829. The round
# columns give what the JIT compiled in the measured epoch.
# AVERAGING (default auto, the trainer's default: barrier in local mode and on clusters of up to 4 workers) is
# the run config's key of that name.
# CHUNK_ROUNDS (default unset: the trainer's default, chunks of progress.everySeconds) is progress.everyRounds:
# averaging rounds a chunk, each
# chunk one Spark job with its fixed cost; an epoch of the bundled subset is 100 rounds at global batch 40, 32 at 128.
# MVN_ARGS: more Maven arguments for the build, e.g. -o.
# Writes benchmarks/results/spark-throughput.md (with DATA spark-throughput-<its name>.md; with CHUNK_ROUNDS -chunks-<N>
# before the .md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
models="${1:-m0}"; size="${2:-32}"; batches="${3:-40,128}"; epochs_arg="${4:-auto}"
warm_rounds="${WARM_ROUNDS:-7500}"
averaging="${AVERAGING:-auto}"
runs="${RUNS:-3}"
chunk_rounds="${CHUNK_ROUNDS:-}"
work="$root/target/spark-throughput"; rm -rf "$work"; mkdir -p "$work"
data="${DATA:-$root/data/fashion-mnist-5k/fashion-mnist-ilsvrc}"
if [ -n "${DATA:-}" ]; then
  data="$(cd "$DATA" && pwd)"
  [ -f "$data/manifest.json" ] || { echo "DATA=$DATA: no manifest.json there, expected the output of an ingest" >&2; exit 2; }
  train_images=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['imagesPerSplit']['train'])" "$data/manifest.json")
  described="$train_images training images of $DATA"
  out="$root/benchmarks/results/spark-throughput-$(basename "$data").md"
else
  train_images=4000
  described="4,000 images of data/fashion-mnist-5k"
  out="$root/benchmarks/results/spark-throughput.md"
fi
[ -z "$chunk_rounds" ] || out="${out%.md}-chunks-$chunk_rounds.md"
chunking="chunks of progress.everySeconds (the trainer's default)"
[ -z "$chunk_rounds" ] || chunking="chunks of up to $chunk_rounds rounds"
mvn -q -B ${MVN_ARGS:-} -Pcluster -DskipTests package
export MICRONET_CLUSTER_DIR="$work/cluster"
master="$(deploy/standalone-cluster.sh start 2 1 3g)"
trap 'deploy/standalone-cluster.sh stop' EXIT

# images/s of plain fit in one JVM: model, batch, threads (ND4J's and the kernels'); 30,000 images timed, as
# <median>/<mean>: the batch over the median step, and the images over the steps' seconds (every pause counted,
# as in an epoch's images/s)
single() { local o
  o="$(bin/micronet benchmark --model "$1" --mode train --size "$size" --classes 10 --batch "$2" --threads "$3" \
    --iterations $((30000 / $2)) 2>/dev/null)"
  echo "$(sed -n 's/^images_per_sec: //p' <<< "$o")/$(sed -n 's/^images_per_sec_mean: //p' <<< "$o")"; }
# images/s of two one-thread JVMs fitting a worker's batch at once: model, batch; a fixed warm-up count and
# 30,000 images each timed, so that the two time the same seconds; the two added up, as <median>/<mean> like single
pair() { local d; d="$(mktemp -d)"
  for i in 1 2; do
    OMP_NUM_THREADS=1 bin/micronet benchmark --model "$1" --mode train --size "$size" --classes 10 --batch "$2" \
      --threads 1 --warmup 1500 --iterations $((30000 / $2)) > "$d/$i" 2>/dev/null &
  done
  wait
  python3 - "$d/1" "$d/2" <<'PY'
import re, sys
sums = [sum(float(re.search(rf'^{key}: ([\d.]+)$', open(f).read(), re.M).group(1)) for f in sys.argv[1:])
        for key in ('images_per_sec', 'images_per_sec_mean')]
print(f'{sums[0]:.1f}/{sums[1]:.1f}')
PY
  rm -rf "$d"; }
# images/s of the last epoch (the first pays for JIT warm-up); the mean round of its chunks
rate() { python3 -c "import json,sys; print(f\"{[json.loads(l) for l in open(sys.argv[1])][-1]['images_per_sec']:.1f}\")" "$1"; }
rounds() { python3 - "$1" "$2" <<'PY'
import re, sys
# the round lines of the last epoch's chunks: each comes after its chunk's progress line
epochs = sys.argv[2]
last = []; after_progress = False
for l in open(sys.argv[1]):
    if f'epoch {epochs}/{epochs}  chunk' in l:
        after_progress = True
    elif after_progress and 'rounds of' in l:
        last.append(l); after_progress = False
tot = [0.0] * 10; n = 0
for l in last:
    m = re.search(r'(\d+) rounds of ([\d.]+) ms: broadcast ([\d.]+), worker set-up ([\d.]+), data ([\d.]+), fit ([\d.]+), exchange ([\d.]+), Spark (-?[\d.]+) \((?:of the exchange, ([\d.]+) waiting; )?of all, paused by collections ([\d.]+); beside it, the JIT compiled ([\d.]+)\)', l)
    k = int(m.group(1)); n += k
    for i in range(10):
        tot[i] += k * float(m.group(i + 2) or 0)
print(' | '.join(f'{t / n:.1f}' for t in tot[:6]) + f' ({tot[7] / n:.1f}), {tot[6] / n:.1f}, {tot[8] / n:.1f}, {tot[9] / n:.1f}')
PY
}
{
  echo "# Spark overhead on training throughput"
  echo
  echo "- command: \`${DATA:+DATA=$DATA }AVERAGING=$averaging RUNS=$runs ${chunk_rounds:+CHUNK_ROUNDS=$chunk_rounds }WARM_ROUNDS=$warm_rounds benchmarks/spark/run.sh $models $size $batches $epochs_arg\`"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | sed -n 1p)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- images/s: single JVM = plain fit on one batch of the global size, random data, the same 10-class model, on one thread and on all $(nproc) (ND4J's and the kernels'), each run's faster of the two by the median step (in brackets: the medians on one thread / on all), 30,000 images timed; single JVM, mean: the same runs' images over the timed steps' seconds, every pause (collections included) counted, as an epoch's images/s counts them; Spark = the last epoch in \`metrics.jsonl\` of a run of the epochs in the table (\`auto\`: enough for $warm_rounds averaging rounds before it, by which the executors' JIT has gone quiet, as the single JVM's has; the round columns give what it still compiled) (fit time of the epoch, $described at ${size}x${size}, 2 workers, averaging every minibatch, \`averaging: $averaging\`, $chunking)"
  echo "- two JVMs: two one-thread processes at once, each fitting a worker's half of the global batch (1,500 steps of warm-up, then 30,000 images each timed), no exchange: the images/s of the two together, by their median steps / by their means (every pause counted), what the cluster's workers could reach without Spark and averaging"
  echo "- standalone: executors as deploy/spark-submit.sh starts them (JavaCPP's whole-process memory check off, as in the single JVM); its two executors on this host take each other's state from its shared memory; connections only: the same with \`spark.micronet.exchange.sharedMemory=false\`, as workers on different hosts exchange (sealed with AES-GCM: the cluster has Spark's network encryption on)"
  echo "- each figure: the median of $runs runs of the five in turn; a ratio is the median of the runs' ratios, with their range in brackets"
  echo "- ratios: a Spark run's images/s over the mean of the single JVM right before it and right after it (measured after each Spark run at the thread count that was faster at the run's start), so that the machine's drift between minutes weighs on both alike; by the single JVM's medians (the issue's yardstick, \`bin/micronet benchmark\`'s last line), and, like for like, by its means; two JVMs: over the single JVM at the run's start"
  echo "- round: of the last run, mean milliseconds per averaging round over the last epoch's chunks: total, the driver's broadcast of parameters and updater state, the worker's set-up of its resident network, its reading of minibatches not read before the rounds, its fit, its exchange and averaging with the other workers (barrier averaging; in brackets the part spent waiting for the slower worker, and between JVMs for Spark's barrier coordination), all per worker, and the rest (Spark: job launch, task and result transfer, and with driver averaging the averaging); last, the part of all that the worker's JVM stood paused in garbage collections, and the time its JIT compiled meanwhile, on threads beside the worker's (summed over the JIT's threads; in local mode the one JVM's, which both workers count)"
  echo
  echo "| model | global batch | epochs | single JVM | single JVM, mean | single JVM after each Spark run | local[2] | standalone 2x1 core | connections only | two JVMs | local / single | standalone / single | connections only / single | local / single, means | standalone / single, means | two JVMs / single | two JVMs / single, means | local round: total, broadcast, set-up, data, fit, exchange (waiting), Spark, paused by collections, JIT compiled | standalone round | connections-only round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
} > "$out"
for m in ${models//,/ }; do
  for global in ${batches//,/ }; do
    per=$((global / 2)); rounds_per_epoch=$(( (train_images / 2 + per - 1) / per ))
    epochs="$epochs_arg"
    [ "$epochs" = auto ] && epochs=$(( (warm_rounds + rounds_per_epoch - 1) / rounds_per_epoch + 1 ))
    sets=(--set model="$m" --set inputSize="$size" --set batchSizePerWorker="$per" --set workers=2 --set epochs="$epochs"
          --set data.train="$data" --set warmupEpochs=0 --set averaging="$averaging"
          ${chunk_rounds:+--set progress.everyRounds="$chunk_rounds"})
    singles=(); ones=(); alls=(); locals=(); clusters=(); sockets=(); pairs=(); befores=(); afters=()
    for r in $(seq "$runs"); do
      rm -rf "$work/local-$m-$global"* "$work/cluster-$m-$global"* "$work/sockets-$m-$global"*
      # the faster of one thread and all: on a machine whose CPUs share a core's vector units (this one),
      # one thread fits small batches faster than two
      one="$(single "$m" "$global" 1)"; all="$(single "$m" "$global" "$(nproc)")"
      ones+=("$one"); alls+=("$all")
      # measured again at the faster thread count (by the median) after each Spark run, the other side of its reference
      faster="$(python3 -c "import sys; print(1 if float(sys.argv[1].split('/')[0]) >= float(sys.argv[2].split('/')[0]) else 0)" "$one" "$all")"
      if [ "$faster" = 1 ]; then singles+=("$one"); threads=1; else singles+=("$all"); threads="$(nproc)"; fi
      bin/micronet train --config configs/runs/quickstart.yaml "${sets[@]}" --master 'local[2]' \
        --set output="$work/local-$m-$global" --set export="$work/local-$m-$global-export" > "$work/local-$m-$global.log" 2>&1
      after_local="$(single "$m" "$global" "$threads")"
      deploy/spark-submit.sh --master "$master" --deploy-mode client --executor-cores 1 --executor-memory 2g \
        --conf spark.cores.max=2 -- train --config configs/runs/quickstart.yaml "${sets[@]}" \
        --set output="$work/cluster-$m-$global" --set export="$work/cluster-$m-$global-export" > "$work/cluster-$m-$global.log" 2>&1
      after_cluster="$(single "$m" "$global" "$threads")"
      deploy/spark-submit.sh --master "$master" --deploy-mode client --executor-cores 1 --executor-memory 2g \
        --conf spark.cores.max=2 --conf spark.micronet.exchange.sharedMemory=false -- train \
        --config configs/runs/quickstart.yaml "${sets[@]}" --set output="$work/sockets-$m-$global" \
        --set export="$work/sockets-$m-$global-export" > "$work/sockets-$m-$global.log" 2>&1
      after_sockets="$(single "$m" "$global" "$threads")"
      befores+=("${singles[-1]},$after_local,$after_cluster"); afters+=("$after_local,$after_cluster,$after_sockets")
      locals+=("$(rate "$work/local-$m-$global/metrics.jsonl")"); clusters+=("$(rate "$work/cluster-$m-$global/metrics.jsonl")")
      sockets+=("$(rate "$work/sockets-$m-$global/metrics.jsonl")")
      pairs+=("$(pair "$m" "$per")")
      echo "- $m, global batch $global, run $r: single JVM ${singles[-1]} ($threads thread(s); one ${one}, all ${all}); local[2] ${locals[-1]}, single after it ${after_local}; standalone ${clusters[-1]}, after it ${after_cluster}; connections only ${sockets[-1]}, after it ${after_sockets}; two JVMs ${pairs[-1]}" >> "$work/runs.md"
    done
    local_round=$(rounds "$work/local-$m-$global.log" "$epochs")
    cluster_round=$(rounds "$work/cluster-$m-$global.log" "$epochs")
    sockets_round=$(rounds "$work/sockets-$m-$global.log" "$epochs")
    python3 - "$m" "$global" "$epochs" "${singles[*]}" "${locals[*]}" "${clusters[*]}" "${local_round// | /, }" "${cluster_round// | /, }" "${ones[*]}" "${alls[*]}" "${pairs[*]}" "${sockets[*]}" "${sockets_round// | /, }" "${befores[*]}" "${afters[*]}" >> "$out" <<'PY'
import statistics, sys
m, g, e, s, l, c, lr, cr, one, all_, p, k, kr, before, after = sys.argv[1:16]
l, c, k = ([float(x) for x in v.split()] for v in (l, c, k))
# the single JVM's and the two JVMs' figures are <median>/<mean>: [0] the medians, [1] the means
s, one, all_, p = ([[float(x.split('/')[i]) for x in v.split()] for i in (0, 1)] for v in (s, one, all_, p))
before, after = ([[[float(x.split('/')[i]) for x in run.split(',')] for run in v.split()] for i in (0, 1)]
                 for v in (before, after))
# by run: the reference of its local, cluster and connections-only runs, by the single JVM's medians and means
reference = [[[(b + a) / 2 for b, a in zip(bs, as_)] for bs, as_ in zip(before[i], after[i])] for i in (0, 1)]
def ratio(xs, spark_run=None, of=0):
    r = [x / (y if spark_run is None else ref[spark_run]) for x, y, ref in zip(xs, s[of], reference[of])]
    return f'{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})'
med = statistics.median
print(f'| {m} | {g} | {e} | {med(s[0]):.1f} ({med(one[0]):.0f} / {med(all_[0]):.0f}) | {med(s[1]):.1f} | {med([x for run in after[0] for x in run]):.1f} | {med(l):.1f} | {med(c):.1f} | {med(k):.1f} | {med(p[0]):.1f} / {med(p[1]):.1f} | {ratio(l, 0)} | {ratio(c, 1)} | {ratio(k, 2)} | {ratio(l, 0, 1)} | {ratio(c, 1, 1)} | {ratio(p[0])} | {ratio(p[1], None, 1)} | {lr} | {cr} | {kr} |')
PY
  done
done
{
  echo
  echo "Each run's figures, in the order they were measured (images/s; single JVMs and two JVMs as <median step>/<mean>):"
  echo
  cat "$work/runs.md"
} >> "$out"
cat "$out"
