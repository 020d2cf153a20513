#!/usr/bin/env bash
# Executes every notebook headless against a sweep directory, as CI does after `mvn -B test`
# (whose SweepRunnerTest leaves a tiny sweep in spark-trainer/target/ci-sweep). A failing cell
# fails this script. Writes the executed notebooks and their PNG figures to the output folder.
#
#   bash notebooks/ci.sh [sweep dir] [output dir]
#     sweep dir:  default $MICRONET_SWEEP_DIR, else spark-trainer/target/ci-sweep
#     output dir: default notebooks/target (executed *.ipynb, figures/*.png, figures/ablation.md)
#
# Needs Debian's Jupyter (installed here when missing, as root): the kernel is /usr/bin/python3,
# not the pyenv python3 that may come first on PATH, and PyPI is not used.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sweep="$(realpath "${1:-${MICRONET_SWEEP_DIR:-$root/spark-trainer/target/ci-sweep}}")"
out="$(realpath -m "${2:-$root/notebooks/target}")"
if [ ! -f "$sweep/summary.csv" ]; then
  echo "notebooks/ci.sh: $sweep has no summary.csv; run the sweep tests first (mvn -B test)" >&2
  exit 2
fi
if ! [ -x /usr/bin/jupyter-nbconvert ] || ! /usr/bin/python3 -c 'import ipykernel, matplotlib, pandas' 2>/dev/null; then
  echo "notebooks/ci.sh: installing Debian's Jupyter, matplotlib and pandas" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas >/dev/null
fi
mkdir -p "$out/figures"
export MICRONET_SWEEP_DIR="$sweep" MICRONET_FIGURES_DIR="$out/figures" MPLBACKEND=Agg
# the kernel must be Debian's python3 whatever PATH says
export PATH="/usr/bin:$PATH"
for nb in "$root"/notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  echo "notebooks/ci.sh: executing $name" >&2
  (cd "$root/notebooks" && /usr/bin/jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 \
    --output-dir "$out" --output "$name" "$nb")
done
ls "$out"/*.ipynb "$out"/figures/*
