import os.path as osp
import sys

import pytest
import torch
from _torchrun import one_process_and_torchrun

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_acquisition'))
from tiny_segmentor import build_tiny_model  # noqa: E402

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'dist_acquisition_worker.py')


@pytest.mark.slow
def test_two_processes_select_what_one_process_selects(tmp_path):
    # A "trained" checkpoint: sharper classifier, so images get distinct scores.
    model = build_tiny_model(dropout_ratio=0.5, seed=7)
    with torch.no_grad():
        model.decode_head.conv_seg.weight.mul_(100)
    single, ranks = one_process_and_torchrun(WORKER, model, str(tmp_path))

    assert ranks['rank0.json'] == ranks['rank1.json']  # every rank got rank 0's selection
    assert set(single) == {'EntropyAcquisition', 'EquALAcquisition', 'BALDAcquisition',
                           'CoresetAcquisition'}
    for method, expected in single.items():
        got = ranks['rank0.json'][method]
        assert got['ids'] == expected['ids'], method
        assert got['scores'] == pytest.approx(expected['scores'], rel=1e-4), method
        scores = list(expected['scores'].values())
        assert len(set(scores)) == len(scores), f'{method}: ties make this test vacuous'
