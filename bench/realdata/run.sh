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
# runs/realdata/<recipe>), SIDES (default "pixelwise pytorch"; one of them to rerun one side).
# Both sides run with OMP_NUM_THREADS=THREADS and OMP_WAIT_POLICY=PASSIVE (pixelwise's default)
# and the same glibc malloc thresholds (the addon's mallopt; the reference sets them through
# ctypes). Nothing else should run on the machine meanwhile: the budget is wall-clock time.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
recipe=${1:-}
threads=${THREADS:-2}
python=${PYTHON:-/usr/bin/python3}
datasets=${DATASETS:-$root/../shared/datasets}
sides=${SIDES:-pixelwise pytorch}

case "$recipe" in
  membrane)
    # ISBI 2012 membranes: 20 train slices -> 5 val slices, 512x512 resized to 256x256.
    budget=${2:-420}
    data="$datasets/membrane"
    pw_data=(--data "$data" --format folder)
    pt_data=(--dataset membrane --data "$data")
    model=(--depth 4 --base-width 16)
    common=(--size 256x256 --batch-size 4 --lr 1e-3 --schedule poly --epochs 100)
    in_channels=1
    classes=2
    ;;
  camvid)
    # CamVid (SegNet split): 367 train -> 101 val, 480x360 resized to 256x192, 11 classes + void (ignored).
    budget=${2:-840}
    data="$datasets/camvid"
    pw_data=(--data "$data" --format camvid)
    pt_data=(--dataset camvid --data "$data")
    model=(--depth 4 --base-width 16)
    common=(--size 192x256 --batch-size 8 --lr 1e-3 --schedule poly --epochs 10)
    in_channels=3
    classes=11
    ;;
  *)
    echo "usage: bench/realdata/run.sh membrane|camvid [BUDGET_SECONDS]" >&2
    exit 2
    ;;
esac

if [ ! -d "$data" ]; then
  echo "skipped: $data is absent (real data lives in ../shared/datasets, see its README; DATASETS=DIR points elsewhere)"
  exit 0
fi
if pgrep -f "dist/bench/main.js" >/dev/null; then
  echo "warning: a benchmark (dist/bench/main.js) is running; timings and step counts will suffer" >&2
fi
[ -f dist/src/cli/main.js ] || { echo "dist/ is missing: build first (npx tsc -p .)" >&2; exit 1; }

out=${OUT:-runs/realdata/$recipe}
mkdir -p "$out"
export OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE
now() { date +%s.%N; }

if [[ " $sides " == *" pixelwise "* ]]; then
  rm -rf "$out/pixelwise"
  cmd=(node dist/src/cli/main.js train "${pw_data[@]}" --model unet "${model[@]}" --batch-norm "${common[@]}"
       --augment --loss ce --optimizer adam --seed 0 --threads "$threads" --time-budget "$budget" --quiet --out "$out/pixelwise")
  echo "+ ${cmd[*]}" >&2
  t0=$(now)
  "${cmd[@]}"
  t1=$(now)
  awk "BEGIN { printf \"%.2f\\n\", $t1 - $t0 }" > "$out/pixelwise/wall.txt"
  cmd=(node dist/src/cli/main.js eval --checkpoint "$out/pixelwise/checkpoints/best.safetensors" "${pw_data[@]}" --split val
       --threads "$threads" --quiet --json)
  echo "+ ${cmd[*]} --batch-size 4" >&2
  "${cmd[@]}" --batch-size 4 > "$out/pixelwise/eval.json"
  # The same checkpoint scored at the label maps' stored size (what predict outputs; one image at a time).
  echo "+ ${cmd[*]} --full-resolution" >&2
  "${cmd[@]}" --full-resolution > "$out/pixelwise/eval-full.json"
  node dist/src/cli/main.js summary --model unet --num-classes "$classes" --in-channels "$in_channels" "${model[@]}" --params-only |
    sed -n 's/^Total params: //p' | tr -d , > "$out/pixelwise/params.txt"
fi

if [[ " $sides " == *" pytorch "* ]]; then
  rm -rf "$out/pytorch"
  cmd=("$python" bench/reference/realdata.py "${pt_data[@]}" "${model[@]}" "${common[@]}" --augment --seed 0
       --threads "$threads" --time-budget "$budget" --out "$out/pytorch")
  echo "+ OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE ${cmd[*]}" >&2
  t0=$(now)
  "${cmd[@]}" > "$out/pytorch.json"
  t1=$(now)
  awk "BEGIN { printf \"%.2f\\n\", $t1 - $t0 }" > "$out/pytorch-wall.txt"
fi

if [ -f "$out/pixelwise/checkpoints/best.safetensors" ]; then
  # The reference's data pipeline and metrics on pixelwise's best checkpoint: must equal pixelwise eval.
  "$python" bench/reference/realdata.py "${pt_data[@]}" "${model[@]}" "${common[@]}" --threads "$threads" \
    --check-checkpoint "$out/pixelwise/checkpoints/best.safetensors" > "$out/crosscheck.json" 2> "$out/crosscheck.err" || {
    rm -f "$out/crosscheck.json"
    echo "warning: the reference could not score pixelwise's checkpoint (see $out/crosscheck.err)" >&2
  }
fi

echo
echo "$recipe: budget ${budget} s, ${threads} threads, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
node bench/realdata/compare.mjs "$out"
