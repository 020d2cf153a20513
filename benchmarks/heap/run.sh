#!/usr/bin/env bash
# Where a warm training step of the Fashion-MNIST recipe allocates Java heap: bytes a step (the
# thread's allocation counter), the garbage collections they cause, and JFR's allocation samples
# attributed to the code that asked (org.micronet.bench.StepHeapProfile). Each model in a JVM of its
# own, recording from its start. TLABs are fixed at 16 KB so that JFR, which samples when a thread
# takes a new TLAB, takes enough samples (about one per 16 KB); the byte and GC counts do not depend on it.
# Usage: benchmarks/heap/run.sh [models, default m0,m3] [size, default 32] [batch, default 128] [steps, default 2000]
# MVN_ARGS: more Maven arguments for the build, e.g. -o. Writes benchmarks/results/training-step-heap.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
models="${1:-m0,m3}"; size="${2:-32}"; batch="${3:-128}"; steps="${4:-2000}"
out=benchmarks/results/training-step-heap.md
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -pl benchmarks -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/bench.classpath)"
opens=()
while read -r line; do
  # shellcheck disable=SC2206
  [[ -z "$line" || "$line" == \#* ]] || opens+=($line)
done < deploy/java17-add-opens.conf
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
{
  echo "# Java heap of a warm training step: how much, what it costs, who asks for it"
  echo
  echo "- command: \`benchmarks/heap/run.sh${*:+ $*}\`"
  echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(java -version 2>&1 | head -1)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- network: configs/runs/fashion-mnist-m0.yaml's recipe (momentum SGD, cosine schedule, L2, dropout, 10 classes) on a fixed random minibatch, 2 threads; G1 with the JVM's default sizes, -Xmx8g"
  echo "- bytes a step: the training thread's allocation counter over the timed steps; the shares: JFR's allocation samples (jdk.ObjectAllocationSample, TLABs fixed at 16 KB), each weighing the bytes since the last"
} > "$work/out.md"
for model in ${models//,/ }; do
  OMP_NUM_THREADS=2 java -Xmx8g -XX:TLABSize=16k -XX:-ResizeTLAB "${opens[@]}" -Dmicronet.kernels.threads=2 \
    -XX:StartFlightRecording=settings="$PWD/benchmarks/heap/allocation.jfc",filename="$work/$model.jfr" \
    -cp "$CP" org.micronet.bench.StepHeapProfile "$model" "$size" "$batch" "$steps" "$work/out.md" 2>"$work/$model.log" \
    || { tail -20 "$work/$model.log" >&2; exit 1; }
done
mv "$work/out.md" "$out"
echo "wrote $out"
