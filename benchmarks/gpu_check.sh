#!/usr/bin/env bash
# What only a GPU can show, as one table (about 5 minutes on one GPU):
#   train step  WRN-38 DeepLabv3+ at 256x512, batch 8: fp32 / AMP x NCHW / channels-last,
#               seconds per step and peak memory (bench_wrn38.py)
#   scoring     every acquisition's query pass at 640x402: images/s, peak memory, the wall
#               time at 40,000 images; AMP for Entropy, BALD and Coreset (bench_scoring.py)
#   k-center    40,000 x 256 features, 4,000 labeled, 1,000 picks: torch on the GPU and
#               faiss-gpu (bench_coreset.py; a missing faiss-gpu is a row that says so)
#   DDP smoke   tools/dist_al_train.sh on 1 GPU (NCCL) with --amp: 2 cycles on tiny digit scenes
# Usage: bash benchmarks/gpu_check.sh [OUT_DIR]   (logs and JSON rows; default a new temp dir)
# Without a GPU it says so in one line and exits 1. GPU_CHECK_DRY_RUN=1 prints the commands
# instead of running them (tests/test_benchmarks checks them on a CPU).
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=${GPU_CHECK_DRY_RUN:-}
if [ -z "$DRY" ] && ! python -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' \
        2>/dev/null; then
    echo "gpu_check: no CUDA GPU is visible to torch on this machine; nothing was checked."
    exit 1
fi
OUT=${1:-$(mktemp -d /tmp/gpu_check.XXXXXX)}
mkdir -p "$OUT"
ROWS=$OUT/rows.jsonl
LOG=$OUT/gpu_check.log
[ -n "$DRY" ] || : >"$ROWS"

# step NAME SECONDS COMMAND...: run with a time limit, log; a failure becomes a table row.
step() {
    local name=$1 limit=$2
    shift 2
    if [ -n "$DRY" ]; then
        printf '%q ' "$@"
        echo
        return
    fi
    echo "== $name: $*" >>"$LOG"
    timeout "$limit" "$@" >>"$LOG" 2>&1 ||
        printf '{"check": "%s", "step_failed": "exit %s after at most %s s; see %s"}\n' \
            "$name" "$?" "$limit" "$LOG" >>"$ROWS"
}

for amp in '' --amp; do
    for layout in '' --channels-last; do
        step train_step 90 python benchmarks/bench_wrn38.py --device cuda --crops A2D2 \
            --models wrn38 --batch 8 --reps 10 --warmup 3 $amp $layout --json "$ROWS"
    done
done
step scoring 120 python benchmarks/bench_scoring.py --device cuda --images 32 --batch-size 16 \
    --json "$ROWS"
step scoring 60 python benchmarks/bench_scoring.py --device cuda --images 32 --batch-size 16 \
    --amp --methods Entropy BALD Coreset --json "$ROWS"
step kcenter 60 python benchmarks/bench_coreset.py --device cuda --cases 40000x256 \
    --num-labeled 4000 --picks 1000 --baseline-picks 0 --projection-dim 0 \
    --backends torch faiss --json "$ROWS"

DIGITS=$OUT/digit_scenes
step digits 60 python -c "import sys; import mmseg_al.datasets.digit_scenes as d; \
d.make_digit_scenes(sys.argv[1], d.DigitScenesSpec(num_train_sequences=8, \
train_frames_per_sequence=10, num_val_sequences=2, val_frames_per_sequence=8), progress=False)" \
    "$DIGITS"
started=$SECONDS
step ddp 150 bash tools/dist_al_train.sh configs/al/entropy_digits_pool11f.py 1 \
    --work-dir "$OUT/ddp" --amp --cfg-options "train_dataloader.dataset.data_root=$DIGITS" \
    train_dataloader.dataset.ann_file=train.txt "val_dataloader.dataset.data_root=$DIGITS" \
    train_cfg.max_iters=20 param_scheduler.0.total_steps=20 active_learning.num_cycles=1
[ -n "$DRY" ] || printf '{"check": "ddp", "seconds": %s, "work_dir": "%s"}\n' \
    "$((SECONDS - started))" "$OUT/ddp" >>"$ROWS"
if [ -n "$DRY" ]; then
    printf '%q ' python benchmarks/gpu_check_table.py "$ROWS"
    echo
else
    python benchmarks/gpu_check_table.py "$ROWS"
    echo "rows and logs: $OUT"
fi
