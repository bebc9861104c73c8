# The real-data recipes, in one place: sourced by run.sh (pixelwise beside PyTorch) and
# precision.sh (fp32 beside bf16). `recipe NAME` sets:
#   budget     the recipe's training time in seconds
#   data       the dataset folder
#   data_args  pixelwise's options naming the dataset (--data, --format)
#   net        the U-Net's options (--depth, --base-width)
#   pw_train   pixelwise train's options for the data, model and training (no --epochs, seed, threads,
#              budget or output: each script adds its own)
#   epochs     the recipe's --epochs (with --fit-budget: the most epochs it may fit in the budget)
#   pt_args    the PyTorch reference's options for the same recipe (empty: the recipe has no reference)
#   in_channels, classes   what `pixelwise summary` needs to count the parameters
# DATASETS (default ../shared/datasets) is where the real data lives. Also `machine_line`: what
# both scripts print of the machine under their results (threads, date, cores, CPU).
machine_line() {
  echo "${threads} threads, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
}

recipe() {
  local datasets=${DATASETS:-$root/../shared/datasets}
  case "$1" in
    membrane)
      # ISBI 2012 membranes: 20 train slices -> 5 val slices, 512x512 resized to 256x256.
      budget=420 data="$datasets/membrane" epochs=100 in_channels=1 classes=2
      net=(--depth 4 --base-width 16) data_args=(--data "$data" --format folder)
      local common=(--size 256x256 --batch-size 4 --lr 1e-3 --schedule poly)
      pw_train=("${data_args[@]}" --model unet "${net[@]}" --batch-norm "${common[@]}" --augment --loss ce --optimizer adam)
      pt_args=(--dataset membrane --data "$data" "${net[@]}" "${common[@]}")
      ;;
    camvid)
      # CamVid (SegNet split): 367 train -> 101 val, 480x360 resized to 256x192, 11 classes + void
      # (ignored); the recipe both sides run alike (10 epochs, cross-entropy).
      budget=840 data="$datasets/camvid" epochs=10 in_channels=3 classes=11
      net=(--depth 4 --base-width 16) data_args=(--data "$data" --format camvid)
      local common=(--size 192x256 --batch-size 8 --lr 1e-3 --schedule poly)
      pw_train=("${data_args[@]}" --model unet "${net[@]}" --batch-norm "${common[@]}" --augment --loss ce --optimizer adam)
      pt_args=(--dataset camvid --data "$data" "${net[@]}" "${common[@]}")
      ;;
    camvid-scratch)
      # CamVid from scratch in 840 s (RESULTS.md, last section): 144x192, epochs fitted to the budget,
      # weighted cross-entropy + Dice to find the small classes. pixelwise only.
      budget=840 data="$datasets/camvid" epochs=100 in_channels=3 classes=11
      net=(--depth 4 --base-width 16) data_args=(--data "$data" --format camvid)
      pw_train=("${data_args[@]}" --model unet "${net[@]}" --batch-norm --size 144x192
                --batch-size 8 --lr 1e-3 --schedule poly --fit-budget --augment --loss ce+dice
                --class-weights median-frequency --optimizer adam)
      pt_args=()
      ;;
    *)
      return 1
      ;;
  esac
}
