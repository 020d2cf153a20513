#!/usr/bin/env bash
# MicroNet on the CPU, three ways in one JVM: ours (DL4J + our kernels), the same network on
# DL4J's built-in layers (ops: dl4j), and PyTorch (libtorch via DJL, offline) with the same
# weights; latency also times its ONNX export in ONNX Runtime. Writes benchmarks/results/micronet-latency.md (1 thread, batch 1) and
# benchmarks/results/micronet-train-<size>-b<batch>.md (2 threads).
# Usage: benchmarks/run.sh [models, default m0,m3] [train size, default 224] [train batch, default 64] [runs, default 3]
# Set SKIP_LATENCY=1 to time training only, e.g. SKIP_LATENCY=1 benchmarks/run.sh m0 32 128
# MVN_ARGS: more Maven arguments for the build, e.g. -o
set -euo pipefail
cd "$(dirname "$0")/.."
models="${1:-m0,m3}"; size="${2:-224}"; batch="${3:-64}"; runs="${4:-3}"
# The reactor's own classes, never installed snapshots in ~/.m2 (nothing is installed): compile the
# modules benchmarks builds on (spark-trainer too: the parity check) and take the classpath in the
# same reactor build, where the sibling modules resolve to their target/classes
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -pl benchmarks -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/bench.classpath)"
if tr ':' '\n' <<<"$CP" | grep -q '/org/micronet/'; then
  echo "the benchmark classpath reaches installed org.micronet artifacts, not the worktree's classes" >&2; exit 1
fi
mapfile -t opens < deploy/java17-add-opens.conf
run() { # threads phase out size batch
  # two OpenMP runtimes (ND4J, libtorch) share the cores: busy-waiting threads would starve the other
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$1" java -Xmx8g "${opens[@]}" -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$1" -Dai.djl.pytorch.num_interop_threads=1 -Dmicronet.kernels.threads="$1" \
    -Dbench.command="benchmarks/run.sh $models $size $batch $runs ($2, $1 thread(s))" \
    -cp "$CP" org.micronet.bench.MicroNetBenchmark "$2" "$3" "$models" "$4" "$5" "$runs"
}
[ -n "${SKIP_LATENCY:-}" ] || run 1 latency benchmarks/results/micronet-latency.md 224 1
run 2 train "benchmarks/results/micronet-train-$size-b$batch.md" "$size" "$batch"
