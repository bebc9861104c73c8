#!/usr/bin/env bash
# One real-data recipe, both sides, one after the other, then a comparison table:
#   1. pixelwise:  pixelwise train ... --time-budget S, then pixelwise eval --json (best checkpoint, val split,
#                  at the training size and with --full-resolution)
#   2. PyTorch:    bench/reference/realdata.py, the same recipe, the same budget
#
#   bench/realdata/run.sh membrane|camvid [BUDGET_SECONDS]
#
# Environment: THREADS (default 2), PYTHON (default /usr/bin/python3, Debian's python3-torch),
# DATASETS (default ../shared/datasets relative to the project root), OUT (default
# runs/realdata/<recipe>), SIDES (default "pixelwise pytorch"; one of them to rerun one side),
# MEMORY_FORMAT (pixelwise's --memory-format, default auto = channels-last; `contiguous` runs the
# reference's NCHW kernels, and then both sides' losses and scores are equal epoch after epoch).
# Both sides run with OMP_NUM_THREADS=THREADS and OMP_WAIT_POLICY=PASSIVE (pixelwise's default)
# and the same glibc malloc thresholds (the addon's mallopt; the reference sets them through
# ctypes). Nothing else should run on the machine meanwhile: the budget is wall-clock time.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
recipe_name=${1:-}
threads=${THREADS:-2}
python=${PYTHON:-/usr/bin/python3}
sides=${SIDES:-pixelwise pytorch}
source bench/realdata/recipes.sh
if ! recipe "$recipe_name" || [ ${#pt_args[@]} -eq 0 ]; then
  echo "usage: bench/realdata/run.sh membrane|camvid [BUDGET_SECONDS]" >&2
  exit 2
fi
budget=${2:-$budget}

if [ ! -d "$data" ]; then
  echo "skipped: $data is absent (real data lives in ../shared/datasets, see its README; DATASETS=DIR points elsewhere)"
  exit 0
fi
if pgrep -f "dist/bench/main.js" >/dev/null; then
  echo "warning: a benchmark (dist/bench/main.js) is running; timings and step counts will suffer" >&2
fi
[ -f dist/src/cli/main.js ] || { echo "dist/ is missing: build first (npx tsc -p .)" >&2; exit 1; }

out=${OUT:-runs/realdata/$recipe_name}
mkdir -p "$out"
export OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE
now() { date +%s.%N; }

if [[ " $sides " == *" pixelwise "* ]]; then
  rm -rf "$out/pixelwise"
  cmd=(node dist/src/cli/main.js train "${pw_train[@]}" --epochs "$epochs" --seed 0 --threads "$threads"
       --memory-format "${MEMORY_FORMAT:-auto}" --time-budget "$budget" --quiet --out "$out/pixelwise")
  echo "+ ${cmd[*]}" >&2
  t0=$(now)
  "${cmd[@]}"
  t1=$(now)
  awk "BEGIN { printf \"%.2f\\n\", $t1 - $t0 }" > "$out/pixelwise/wall.txt"
  cmd=(node dist/src/cli/main.js eval --checkpoint "$out/pixelwise/checkpoints/best.safetensors" "${data_args[@]}" --split val
       --threads "$threads" --quiet --json)
  echo "+ ${cmd[*]} --batch-size 4" >&2
  "${cmd[@]}" --batch-size 4 > "$out/pixelwise/eval.json"
  # The same checkpoint scored at the label maps' stored size (what predict outputs; one image at a time).
  echo "+ ${cmd[*]} --full-resolution" >&2
  "${cmd[@]}" --full-resolution > "$out/pixelwise/eval-full.json"
  node dist/src/cli/main.js summary --model unet --num-classes "$classes" --in-channels "$in_channels" "${net[@]}" --params-only |
    sed -n 's/^Total params: //p' | tr -d , > "$out/pixelwise/params.txt"
fi

if [[ " $sides " == *" pytorch "* ]]; then
  rm -rf "$out/pytorch"
  cmd=("$python" bench/reference/realdata.py "${pt_args[@]}" --epochs "$epochs" --augment --seed 0
       --threads "$threads" --time-budget "$budget" --out "$out/pytorch")
  echo "+ OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE ${cmd[*]}" >&2
  t0=$(now)
  "${cmd[@]}" > "$out/pytorch.json"
  t1=$(now)
  awk "BEGIN { printf \"%.2f\\n\", $t1 - $t0 }" > "$out/pytorch-wall.txt"
fi

if [ -f "$out/pixelwise/checkpoints/best.safetensors" ]; then
  # The reference's data pipeline and metrics on pixelwise's best checkpoint: must equal pixelwise eval.
  "$python" bench/reference/realdata.py "${pt_args[@]}" --epochs "$epochs" --threads "$threads" \
    --check-checkpoint "$out/pixelwise/checkpoints/best.safetensors" > "$out/crosscheck.json" 2> "$out/crosscheck.err" || {
    rm -f "$out/crosscheck.json"
    echo "warning: the reference could not score pixelwise's checkpoint (see $out/crosscheck.err)" >&2
  }
fi

echo
echo "$recipe_name: budget ${budget} s, $(machine_line)"
node bench/realdata/compare.mjs "$out"
