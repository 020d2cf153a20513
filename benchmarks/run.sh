#!/usr/bin/env bash
# MicroNet on the CPU: ours (DL4J + our kernels) and the same network on DL4J's built-in layers
# (ops: dl4j) in one JVM; PyTorch (libtorch via DJL, offline) on the same weights in a JVM of its
# own, started per model with libtorch's default settings (org.micronet.bench.TorchProcess);
# latency also times the ONNX export in ONNX Runtime. One run writes, under $RESULTS:
#   micronet-latency.md                  batch 1 at 224x224 on 1 thread, as trained and folded for inference
#                                        (micronet-latency-<size>.md at other sizes)
#   micronet-train-<size>-b<batch>.md    training images/s for each train shape, on TRAIN_THREADS threads
#   micronet-vs-pytorch.md               ours / PyTorch for all of them side by side
# Usage: benchmarks/run.sh [models, default m0,m3] [train shapes <size>x<batch>,..., default 32x128,224x64] [runs, default 3]
# Environment (those set are written into the results' command line):
#   RESULTS=<dir>                  where the results go (default benchmarks/results)
#   SKIP_LATENCY=1 / SKIP_TRAIN=1  time training only / latency only
#   LATENCY_SIZE=<n>               latency input size (default 224)
#   LATENCY_WARMUP, LATENCY_RUNS   batch-1 passes before the timed ones and timed (default 2000, 31)
#   TRAIN_WARMUP                   training steps before the timed ones (default 20, fewer once 20 s have passed,
#                                  at least 3), then more until the JIT spends under 1% of a second compiling (at
#                                  most 120 s): the Vector API kernels run an allocating Java fallback until C2
#                                  compiles them. Latency warm-up ends after 20 s (at least 3 calls). The same
#                                  rules for every network, PyTorch's too
#   TRAIN_THREADS                  this JVM's threads for training (default 2); PyTorch's are libtorch's default
#   MVN_ARGS                       more Maven arguments for the build, e.g. -o
# Smoke test (a minute or two; keeps benchmarks/results as it is):
#   RESULTS=target/bench-smoke LATENCY_SIZE=32 LATENCY_WARMUP=3 LATENCY_RUNS=3 benchmarks/run.sh m0 32x16 2
set -euo pipefail
cd "$(dirname "$0")/.."
models="${1:-m0,m3}"; shapes="${2:-32x128,224x64}"; runs="${3:-3}"
[ $# -le 3 ] && [[ "$shapes" =~ ^[0-9]+x[0-9]+(,[0-9]+x[0-9]+)*$ ]] || {
  echo "usage: benchmarks/run.sh [models] [train shapes <size>x<batch>,...] [runs]" >&2; exit 2; }
results="${RESULTS:-benchmarks/results}"
knobs=""
for v in RESULTS SKIP_LATENCY SKIP_TRAIN LATENCY_SIZE LATENCY_WARMUP LATENCY_RUNS TRAIN_WARMUP TRAIN_THREADS; do
  [ -z "${!v:-}" ] || knobs+="$v=${!v} "
done
command="${knobs}benchmarks/run.sh${*:+ $*}"

# The reactor's own classes, never installed snapshots in ~/.m2 (nothing is installed): compile the
# modules benchmarks builds on (spark-trainer too: the parity check) and take the classpath in the
# same reactor build, where the sibling modules resolve to their target/classes
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -pl benchmarks -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/bench.classpath)"
if tr ':' '\n' <<<"$CP" | grep -q '/org/micronet/'; then
  echo "the benchmark classpath reaches installed org.micronet artifacts, not the worktree's classes" >&2; exit 1
fi
opens=()  # the deployment's JVM options, one or two words a line (e.g. --add-modules jdk.incubator.vector)
while read -r line; do
  # shellcheck disable=SC2206
  [[ -z "$line" || "$line" == \#* ]] || opens+=($line)
done < deploy/java17-add-opens.conf
rows="$(mktemp)"; trap 'rm -f "$rows"' EXIT

run() { # threads phase out size batch
  # nothing else computes in this JVM any more (PyTorch has its own): OpenMP's default wait policy;
  # our kernels (the caller and its helpers) get the same thread count as ND4J
  OMP_NUM_THREADS="$1" java -Xmx8g "${opens[@]}" -Dai.djl.offline=true -Dmicronet.kernels.threads="$1" \
    -Dbench.latency.warmup="${LATENCY_WARMUP:-2000}" -Dbench.latency.runs="${LATENCY_RUNS:-31}" \
    -Dbench.train.warmup="${TRAIN_WARMUP:-20}" -Dbench.summary="$rows" \
    -Dbench.command="$command ($2, $1 thread(s))" \
    -cp "$CP" org.micronet.bench.MicroNetBenchmark "$2" "$3" "$models" "$4" "$5" "$runs"
}
if [ -z "${SKIP_LATENCY:-}" ]; then
  lsize="${LATENCY_SIZE:-224}"
  run 1 latency "$results/micronet-latency$([ "$lsize" = 224 ] || echo "-$lsize").md" "$lsize" 1
fi
if [ -z "${SKIP_TRAIN:-}" ]; then
  for shape in ${shapes//,/ }; do
    run "${TRAIN_THREADS:-2}" train "$results/micronet-train-${shape%x*}-b${shape#*x}.md" "${shape%x*}" "${shape#*x}"
  done
fi
java -cp "$CP" -Dbench.command="$command" org.micronet.bench.MicroNetBenchmark summary "$results/micronet-vs-pytorch.md" "$rows"
