import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tiny_segmentor import build_tiny_model

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'dist_batch_aware_worker.py')


def _run(command, out_dir):
    os.makedirs(out_dir)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    subprocess.run(command + [out_dir], check=True, env=env, timeout=240)
    return {name: json.load(open(osp.join(out_dir, name))) for name in os.listdir(out_dir)}


@pytest.mark.slow
def test_two_processes_draw_what_one_process_draws(tmp_path):
    model = build_tiny_model(seed=7)
    with torch.no_grad():  # a "trained" classifier: distinct scores
        model.decode_head.conv_seg.weight.mul_(30)
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(model.state_dict(), checkpoint)

    single = _run([sys.executable, WORKER, checkpoint], str(tmp_path / 'single'))['rank0.json']
    ranks = _run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                  '--nproc_per_node', '2', WORKER, checkpoint], str(tmp_path / 'dist'))

    assert ranks['rank0.json'] == ranks['rank1.json']  # every rank got rank 0's selection
    for method, expected in single.items():
        got = ranks['rank0.json'][method]
        assert got['ids'] == expected['ids'], method
        assert got['scores'] == pytest.approx(expected['scores'], rel=1e-4), method
