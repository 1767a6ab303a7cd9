"""Run every model-based acquisition on a tiny pool; write each rank's selections.

Launched by ``test_distributed_acquisition.py``, once as a plain process and once
under ``torchrun --nproc_per_node 2`` (gloo on CPU). Usage:
``dist_acquisition_worker.py CHECKPOINT OUT_DIR``.
"""
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_acquisition'))

import torch  # noqa: E402
from mmengine import dist  # noqa: E402

from mmseg_al.compat import init_cpu_distributed, shutdown_distributed  # noqa: E402
from mmseg_al.registry import ACQUISITIONS  # noqa: E402
from tiny_segmentor import build_tiny_model, make_context  # noqa: E402

METHODS = [dict(type='EntropyAcquisition'), dict(type='EquALAcquisition'),
           dict(type='BALDAcquisition', num_samples=4),
           dict(type='CoresetAcquisition', pooling=(2, 2))]


def main(checkpoint, out_dir):
    if 'WORLD_SIZE' in os.environ:
        init_cpu_distributed()
    model = build_tiny_model(dropout_ratio=0.5)
    model.load_state_dict(torch.load(checkpoint))
    # Odd pool sizes: the sampler pads the last shard with repeats.
    ctx = make_context(model, num_unlabeled=11, num_labeled=5, seed=3, cycle=1)
    results = {}
    for cfg in METHODS:
        selection = ACQUISITIONS.build(cfg).select(ctx, 4)
        results[cfg['type']] = dict(ids=selection.ids, scores=selection.scores,
                                    info=selection.info)
    with open(osp.join(out_dir, f'rank{dist.get_rank()}.json'), 'w') as f:
        json.dump(results, f)
    shutdown_distributed()


if __name__ == '__main__':
    main(*sys.argv[1:])
