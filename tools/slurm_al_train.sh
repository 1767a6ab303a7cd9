#!/usr/bin/env bash
# Run one active-learning experiment on a Slurm cluster: srun starts one task per node,
# each runs torchrun (the pytorch launcher, tools/dist_al_train.sh) on its GPUs.
# Usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#        tools/slurm_al_train.sh PARTITION JOB_NAME CONFIG [al_train.py args...]
# s4GAN configs train in one process: use GPUS=1 GPUS_PER_NODE=1 for them.
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG [al_train.py args...]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-1}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
NODES=$(( (GPUS + GPUS_PER_NODE - 1) / GPUS_PER_NODE ))
PORT=${PORT:-$(( 20000 + RANDOM % 10000 ))}
TOOLS="$(cd "$(dirname "$0")" && pwd)"

# One task per node; each task's node rank and the first node's address come from Slurm.
# shellcheck disable=SC2086,SC2016
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --nodes="${NODES}" \
    --ntasks-per-node=1 \
    --gres="gpu:${GPUS_PER_NODE}" \
    --cpus-per-task=$(( CPUS_PER_TASK * GPUS_PER_NODE )) \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    bash -c 'NNODES=$SLURM_NNODES NODE_RANK=$SLURM_NODEID PORT='"${PORT}"' \
             MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1) \
             OMP_NUM_THREADS='"${CPUS_PER_TASK}"' \
             exec bash "$0" "$@"' \
    "${TOOLS}/dist_al_train.sh" "${CONFIG}" "${GPUS_PER_NODE}" "${@:4}"
