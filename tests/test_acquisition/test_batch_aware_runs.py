"""The batch-aware acquisitions end to end through tools/al_train.py, killed and resumed."""
import gc
import json
import os.path as osp

import pytest

from mmseg_al.acquisition import badge, base
from mmseg_al.acquisition.coreset import CoresetAcquisition

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow

# config -> (module, attribute) that runs after the query pass, where the kill lands.
METHODS = {
    'entropy_power_digits_pool11f.py': (base, 'stochastic_top_k'),
    'badge_digits_pool11f.py': (badge, 'kmeans_pp_seeding'),
    'uncertain_coreset_digits_pool11f.py': (CoresetAcquisition, 'select_from_features'),
}


class Interrupted(Exception):
    """Stands for a killed process."""


def run(al_train, config, work_dir, options):
    al_train([osp.join(REPO_ROOT, 'configs/al', config), '--work-dir', str(work_dir),
              '--cfg-options', *options])
    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    with open(osp.join(work_dir, 'al_state.json')) as f:
        return results, json.load(f)


@pytest.mark.parametrize('config', list(METHODS))
def test_runs_and_resumes_exactly_after_a_kill_in_its_acquisition(
        config, al_train, tiny_al_options, tiny_scenes, tmp_path, monkeypatch):
    # A dataloader worker makes the resumed run repeat the reference (see tiny_al_options).
    options = tiny_al_options(tiny_scenes, num_workers=1)
    reference, reference_state = run(al_train, config, tmp_path / 'reference', options)
    selection = json.load(open(tmp_path / 'reference' / 'cycle_0' / 'selection.json'))
    assert len(set(selection['ids'])) == 6 and selection['acquisition'] == reference['method']
    # Recorded as for every acquisition: near-duplicates and sequences of the batch.
    assert {'near_duplicate', 'sequences'} <= set(selection['diagnostics'])

    original = getattr(*METHODS[config])

    def killed(*args, **kwargs):
        monkeypatch.setattr(*METHODS[config], original)
        raise Interrupted()

    monkeypatch.setattr(*METHODS[config], killed)
    with pytest.raises(Interrupted):
        run(al_train, config, tmp_path / 'killed', options)
    # A killed process takes its dataloader workers along; here they live on in the
    # traceback's frames, holding the work-dir lock they inherited, until collected.
    gc.collect()
    assert not osp.exists(tmp_path / 'killed' / 'cycle_0' / 'selection.json')
    results, state = run(al_train, config, tmp_path / 'killed', options)
    assert state['labeled'] == reference_state['labeled']
    assert results['cycles'] == reference['cycles']
