"""Enqueue rank-dependent keys into a tiny U2PL's memory bank twice; write each rank's bank.

Launched by ``test_u2pl.py`` under ``torchrun --nproc_per_node 2`` (gloo on CPU).
Usage: ``dist_memory_bank_worker.py OUT_DIR``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from _tiny_ssl import NUM_CLASSES, tiny_segmentor_cfg  # noqa: E402
from mmengine import dist  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmseg_al.compat import init_cpu_distributed, shutdown_distributed  # noqa: E402
from mmseg_al.registry import MODELS  # noqa: E402

DIM = 8


def rank_keys(rank):
    """Per class, ``class * (rank + 1) % 3`` keys (0 to 2) whose entries encode (rank, class, i)."""
    keys = []
    for cls in range(NUM_CLASSES):
        count = cls * (rank + 1) % 3
        values = 100. * rank + 10 * cls + torch.arange(count, dtype=torch.float)
        keys.append(values[:, None].expand(count, DIM).clone())
    return keys


def main(out_dir):
    init_cpu_distributed()
    init_default_scope('mmseg_al')
    model = MODELS.build(dict(type='U2PLSegmentor', segmentor=tiny_segmentor_cfg(),
                              semi_train_cfg=dict(total_iters=1), rep_channels=DIM,
                              memory_size=16))
    for _ in range(2):
        model._enqueue_from_all_ranks(rank_keys(dist.get_rank()))
    torch.save({name: getattr(model, name) for name in ('memory_bank', 'memory_filled',
                                                         'memory_ptr')},
               osp.join(out_dir, f'rank{dist.get_rank()}.pth'))
    shutdown_distributed()


if __name__ == '__main__':
    main(*sys.argv[1:])
