"""MMSeg's own model configs, inherited through ``mmseg::``, run AL cycles unchanged."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


@pytest.mark.parametrize('config, backbone', [
    ('entropy_segformer_digits.py', 'MixVisionTransformer'),
    ('entropy_fastscnn_digits.py', 'FastSCNN'),
])
def test_shipped_mmseg_model_runs_entropy_cycles(config, backbone, al_train, tiny_al_options,
                                                 tiny_scenes, tmp_path):
    options = tiny_al_options(tiny_scenes, max_iters=2)
    al_train([osp.join(REPO_ROOT, 'configs', 'al', config), '--work-dir', str(tmp_path),
              '--cfg-options', *options])

    results = json.loads((tmp_path / 'results.json').read_text())
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
    assert all(0.0 <= c['mIoU'] <= 100.0 for c in results['cycles'])
    # Cycle 1 trained the model mmseg ships, on the 6 images Entropy added.
    cycle_cfg = Config.fromfile(next((tmp_path / 'cycle_1').glob('*.py')))
    assert cycle_cfg.model.backbone.type == backbone
    assert cycle_cfg.model.decode_head.num_classes == 11
    first = (tmp_path / 'cycle_0' / 'labeled.txt').read_text().split()
    added = (tmp_path / 'cycle_1' / 'labeled.txt').read_text().split()
    selection = json.loads((tmp_path / 'cycle_0' / 'selection.json').read_text())
    assert selection['acquisition'] == 'EntropyAcquisition'
    assert len(added) == 6 and not set(added) & set(first)
    scores = selection['scores']  # of the 54 unlabeled images: the 6 highest were added
    assert len(scores) == 60 - 6 and not set(scores) & set(first)
    assert set(added) == set(sorted(scores, key=scores.get, reverse=True)[:6])
