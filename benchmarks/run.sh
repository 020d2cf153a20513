#!/usr/bin/env bash
# MicroNet on the CPU, three ways in one JVM: ours (DL4J + our kernels), the same network on
# DL4J's built-in layers (ops: dl4j), and PyTorch (libtorch via DJL, offline) with the same
# weights; latency also times its ONNX export in ONNX Runtime. Writes benchmarks/results/micronet-latency.md (1 thread, batch 1) and
# benchmarks/results/micronet-train-<size>-b<batch>.md (2 threads).
# Usage: benchmarks/run.sh [models, default m0,m3] [train size, default 224] [train batch, default 64] [runs, default 3]
# Set SKIP_LATENCY=1 to time training only, e.g. SKIP_LATENCY=1 benchmarks/run.sh m0 32 128
set -euo pipefail
cd "$(dirname "$0")/.."
models="${1:-m0,m3}"; size="${2:-224}"; batch="${3:-64}"; runs="${4:-3}"
# benchmarks depends on spark-trainer (the parity check) too: install every module it builds on
mvn -B -q -pl benchmarks -am install -DskipTests
mvn -B -q -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="benchmarks/target/classes:$(cat benchmarks/target/bench.classpath)"
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
