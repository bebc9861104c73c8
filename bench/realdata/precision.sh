#!/usr/bin/env bash
# One real-data recipe in fp32 and in bf16, three seeds each, then a table and a figure of val mIoU
# against seconds and against epochs (precision-report.ts):
#
#   bench/realdata/precision.sh membrane|camvid|camvid-scratch budget [SECONDS]
#       issue 12's protocol, for a CPU that does bf16 natively (AMX): fp32 in the recipe's budget,
#       bf16 in half of it and in all of it; every run fits its epochs to its budget (--fit-budget).
#   bench/realdata/precision.sh membrane|camvid|camvid-scratch epochs N
#       fp32 and bf16 for the same N epochs, no budget: what the precisions learn, whatever their speed
#       (for a CPU where bf16 is emulated and its seconds say nothing about a CPU with AMX).
#
# Environment: SEEDS (default "0 1 2"), THREADS (default 2), DATASETS, OUT (default
# runs/precision/<recipe>-<mode>). A run whose folder holds wall.txt is done and kept, so an
# interrupted series goes on where it stopped. Nothing else should run meanwhile in budget mode.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
usage="usage: bench/realdata/precision.sh membrane|camvid|camvid-scratch budget [SECONDS] | epochs N"
source bench/realdata/recipes.sh
recipe "${1:-}" || { echo "$usage" >&2; exit 2; }
mode=${2:-}
threads=${THREADS:-2}
seeds=${SEEDS:-0 1 2}
# Both modes set the length of the run themselves.
train=()
for a in "${pw_train[@]}"; do [ "$a" = --fit-budget ] || train+=("$a"); done

case "$mode" in
  budget)
    budget=${3:-$budget}
    half=$((budget / 2))
    variants=("fp32 fp32 $budget" "bf16-half bf16 $half" "bf16 bf16 $budget")
    out=${OUT:-runs/precision/$1-budget$budget}
    ;;
  epochs)
    [[ ${3:-} =~ ^[1-9][0-9]*$ ]] || { echo "$usage (N: a whole number of epochs, got '${3:-}')" >&2; exit 2; }
    variants=("fp32 fp32 -" "bf16 bf16 -")
    out=${OUT:-runs/precision/$1-epochs$3}
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
[ -d "$data" ] || { echo "skipped: $data is absent (real data lives in ../shared/datasets; DATASETS=DIR points elsewhere)"; exit 0; }
[ -f dist/src/cli/main.js ] || { echo "dist/ is missing: build first (npx tsc -p .)" >&2; exit 1; }
mkdir -p "$out"
export OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE

for seed in $seeds; do
  for v in "${variants[@]}"; do
    read -r name precision seconds <<< "$v"
    dir="$out/$name-s$seed"
    [ -f "$dir/wall.txt" ] && continue
    rm -rf "$dir"
    if [ "$mode" = budget ]; then
      length=(--epochs 1000 --fit-budget --time-budget "$seconds")
    else
      length=(--epochs "$3")
    fi
    cmd=(node dist/src/cli/main.js train "${train[@]}" "${length[@]}" --precision "$precision" --seed "$seed"
         --threads "$threads" --quiet --out "$dir")
    echo "+ ${cmd[*]}" >&2
    t0=$(date +%s.%N)
    "${cmd[@]}"
    awk "BEGIN { printf \"%.2f\\n\", $(date +%s.%N) - $t0 }" > "$dir/wall.txt"
  done
done

echo
echo "$1, $mode ${3:-$budget}: $(machine_line)"
node dist/bench/realdata/precision-report.js "$out"
