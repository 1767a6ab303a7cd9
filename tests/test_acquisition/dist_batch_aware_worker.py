"""Run the batch-aware acquisitions on a tiny pool; write each rank's selections.

Launched by ``test_batch_aware_distributed.py``, once as a plain process and once
under ``torchrun --nproc_per_node 2`` (gloo on CPU). Usage:
``dist_batch_aware_worker.py CHECKPOINT OUT_DIR``.
"""
import json
import os
import os.path as osp
import sys

import torch
from mmengine import dist

from mmseg_al.compat import init_cpu_distributed, shutdown_distributed
from mmseg_al.registry import ACQUISITIONS
from tiny_segmentor import build_tiny_model, make_context

METHODS = {
    'power': dict(type='EntropyAcquisition', sampling=dict(mode='power', beta=1.0)),
    'softrank': dict(type='EquALAcquisition', sampling=dict(mode='softrank', beta=0.5)),
    'badge': dict(type='BADGEAcquisition'),
    'badge_projected': dict(type='BADGEAcquisition', projection_dim=16),
    'uncertain_coreset': dict(type='UncertainCoresetAcquisition', candidate_factor=2),
}


def main(checkpoint, out_dir):
    if 'WORLD_SIZE' in os.environ:
        init_cpu_distributed()
    model = build_tiny_model()
    model.load_state_dict(torch.load(checkpoint))
    # Odd pool sizes: the sampler pads the last shard with repeats.
    ctx = make_context(model, num_unlabeled=11, num_labeled=5, seed=3, cycle=1)
    results = {}
    for name, cfg in METHODS.items():
        selection = ACQUISITIONS.build(cfg).select(ctx, 4)
        results[name] = dict(ids=selection.ids, scores=selection.scores)
    with open(osp.join(out_dir, f'rank{dist.get_rank()}.json'), 'w') as f:
        json.dump(results, f)
    shutdown_distributed()


if __name__ == '__main__':
    main(*sys.argv[1:])
