#!/usr/bin/env bash
# Launch an active-learning experiment on NPROC processes per node with torchrun.
# Usage: tools/dist_al_train.sh CONFIG NPROC [al_train.py args..., e.g. --amp --seed 1]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# With CUDA the processes use NCCL (env_cfg.dist_cfg), one GPU each; without, gloo on
# CPU (see README, "Compatibility"). The batch of a cycle is NPROC x batch_size.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: $0 CONFIG NPROC [al_train.py args...]" >&2
    exit 2
fi
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..${PYTHONPATH:+:$PYTHONPATH}" \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$NPROC" \
    "$(dirname "$0")/al_train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
