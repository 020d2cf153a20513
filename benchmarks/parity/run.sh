#!/usr/bin/env bash
# Accuracy parity with PyTorch on the same recipe: trains a run config with ours (bin/micronet
# train: DL4J on Spark local mode) and with its PyTorch mirror (libtorch through DJL, one process,
# org.micronet.bench.parity.TorchRecipeTraining) on the same ingest output, then writes both
# per-epoch curves side by side to benchmarks/results/parity-<name>.md.
#
# Usage: benchmarks/parity/run.sh [run yaml, default configs/runs/fashion-mnist-m0.yaml] [--set key=value ...]
# Environment:
#   PARITY_OURS_RUN=<run dir>  use this finished run of ours (its metrics.jsonl, its config.yaml as the
#                              recipe, its ingest/ as the data) instead of training ours here (~45 min
#                              for fashion-mnist-m0 on 2 cores); --set is refused then
#   PARITY_WORK=<dir>          where the runs go (default target/parity/<name>; its ours/ and torch/ are replaced)
#   PARITY_RESULTS=<file>      the results file (default benchmarks/results/parity-<name>.md)
#   PARITY_TORCH_ARGS="..."    more arguments for the PyTorch side, e.g. "--max-rounds 5" for a smoke test
# The full comparison (fashion-mnist-m0 on 2 otherwise idle cores: ours ~45 min, the PyTorch side ~35 min):
#   benchmarks/parity/run.sh
#   PARITY_OURS_RUN=target/runs/fashion-mnist-m0 benchmarks/parity/run.sh   # ours already trained
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
config=configs/runs/fashion-mnist-m0.yaml
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then config="$1"; shift; fi
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --set) [ $# -ge 2 ] || { echo "--set needs key=value" >&2; exit 2; }; sets+=(--set "$2"); shift 2 ;;
    *) echo "usage: benchmarks/parity/run.sh [run.yaml] [--set key=value ...]" >&2; exit 2 ;;
  esac
done
[ -f "$config" ] || { echo "no run config $config" >&2; exit 2; }
name="$(basename "$config" .yaml)"
work="${PARITY_WORK:-$root/target/parity/$name}"
results="${PARITY_RESULTS:-$root/benchmarks/results/parity-$name.md}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"  # other work on the machine shows in the timings
script_cmd="benchmarks/parity/run.sh $config${sets[*]:+ ${sets[*]}}"

if [ -n "${PARITY_OURS_RUN:-}" ]; then
  ours="$(cd "$PARITY_OURS_RUN" && pwd)"
  [ -s "$ours/metrics.jsonl" ] || { echo "$ours has no metrics.jsonl" >&2; exit 2; }
  [ -f "$ours/config.yaml" ] || { echo "$ours has no config.yaml" >&2; exit 2; }
  [ ${#sets[@]} -eq 0 ] || { echo "PARITY_OURS_RUN: the run's config.yaml is the recipe; --set would make the sides differ" >&2; exit 2; }
  [ -f "$ours/_SUCCESS" ] || echo "warning: $ours has no _SUCCESS: comparing the epochs it has finished" >&2
fi

# One reactor build, nothing installed: bin/micronet runs from spark-trainer/target, the PyTorch side
# from benchmarks/target with the reactor's jars (not ~/.m2's snapshots) on its classpath.
mvn -B -o -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/parity.classpath
CP="$root/benchmarks/target/classes:$(cat benchmarks/target/parity.classpath)"
if tr ':' '\n' <<<"$CP" | grep -q '/org/micronet/'; then
  echo "benchmarks classpath holds org.micronet jars from a repository, not the reactor" >&2; exit 1
fi

if [ -n "${PARITY_OURS_RUN:-}" ]; then
  ours_cmd="(reused) the run in $ours"
else
  ours="$work/ours"
  rm -rf "$ours" "$work/ours-export"
  # the dataset of fashion-mnist-m0.yaml, extracted as its header says
  if grep -q '^  train: target/datasets/fmnist-ilsvrc' "$config" && [ ! -d target/datasets/fmnist-ilsvrc ] \
      && [ -f ../shared/datasets/fashion-mnist-ilsvrc.tar.gz ]; then
    mkdir -p target/datasets && tar xzf ../shared/datasets/fashion-mnist-ilsvrc.tar.gz -C target/datasets
  fi
  ours_args=(train --config "$config" "${sets[@]}" --set output="$ours" --set export="$work/ours-export")
  ours_cmd="bin/micronet ${ours_args[*]}"
  echo "== ours: $ours_cmd"
  bin/micronet "${ours_args[@]}" 2>&1 | tee "$work/ours.log"
fi

# The PyTorch side in its own JVM, libtorch with its default threading; recipe = ours' resolved config.yaml,
# data = ours' ingest output.
torch="$work/torch"
rm -rf "$torch"
mkdir -p "$torch"
mapfile -t opens < deploy/java17-add-opens.conf
read -r -a extra <<<"${PARITY_TORCH_ARGS:-}"
torch_args=(--ours-run "$ours" --out "$torch" "${extra[@]}")
torch_cmd="java -Xmx6g <deploy/java17-add-opens.conf> -Dai.djl.offline=true -cp <benchmarks classpath> org.micronet.bench.parity.TorchRecipeTraining ${torch_args[*]}"
echo "== PyTorch: $torch_cmd"
java -Xmx6g "${opens[@]}" -Dai.djl.offline=true -cp "$CP" org.micronet.bench.parity.TorchRecipeTraining \
  "${torch_args[@]}" 2>&1 | tee "$torch/torch.log"

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | sed -n 1p); load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
python3 benchmarks/parity/report.py --name "$name" --ours "$ours" --torch "$torch" --out "$results" \
  --script-command "$script_cmd${PARITY_OURS_RUN:+ (PARITY_OURS_RUN=$PARITY_OURS_RUN)}${PARITY_TORCH_ARGS:+ (PARITY_TORCH_ARGS=$PARITY_TORCH_ARGS)}" \
  --ours-command "$ours_cmd" --torch-command "$torch_cmd" --machine "$machine"
cat "$results"
