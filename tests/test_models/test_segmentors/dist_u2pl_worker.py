"""Train a tiny U2PL cycle for 3 iterations; write each rank's final weights and memory bank.

Launched by ``test_ssl_training.py`` under ``torchrun --nproc_per_node 2`` (gloo on
CPU). Usage: ``dist_u2pl_worker.py DIGIT_ROOT OUT_DIR``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from _tiny_ssl import cycle_cfg, train_ids  # noqa: E402
from mmengine import dist  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmseg_al.compat import (adapt_cfg_to_device, init_cpu_distributed,  # noqa: E402
                             shutdown_distributed)
from mmseg_al.datasets.ssl_dataloader import apply_ssl  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def main(root, out_dir):
    init_cpu_distributed()
    init_default_scope('mmseg_al')
    cfg = Config(cycle_cfg(root, osp.join(out_dir, 'work'), train_ids(root)[:3], max_iters=3))
    cfg.ssl = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'ssl', 'u2pl.py')).ssl
    cfg.ssl.model.update(rep_channels=8, memory_size=64)
    cfg.launcher = 'pytorch'
    runner = Runner.from_cfg(adapt_cfg_to_device(apply_ssl(cfg), 'pytorch'))
    runner.train()
    model = runner.model.module
    torch.save(dict(student=model.student.state_dict(), teacher=model.teacher.state_dict(),
                    train_steps=int(model.train_steps), memory_bank=model.memory_bank,
                    memory_filled=model.memory_filled),
               osp.join(out_dir, f'rank{dist.get_rank()}.pth'))
    shutdown_distributed()


if __name__ == '__main__':
    main(*sys.argv[1:])
