import os.path as osp

import pytest
import torch
from _torchrun import one_process_and_torchrun

from tiny_segmentor import build_tiny_model

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'dist_batch_aware_worker.py')


@pytest.mark.slow
def test_two_processes_draw_what_one_process_draws(tmp_path):
    model = build_tiny_model(seed=7)
    with torch.no_grad():  # a "trained" classifier: distinct scores
        model.decode_head.conv_seg.weight.mul_(30)
    single, ranks = one_process_and_torchrun(WORKER, model, str(tmp_path))

    assert ranks['rank0.json'] == ranks['rank1.json']  # every rank got rank 0's selection
    for method, expected in single.items():
        got = ranks['rank0.json'][method]
        assert got['ids'] == expected['ids'], method
        assert got['scores'] == pytest.approx(expected['scores'], rel=1e-4), method
