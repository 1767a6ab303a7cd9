"""An acquisition the model cannot serve is a one-line config error before cycle 0 trains."""
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FCN = osp.join(REPO_ROOT, 'tests/data/configs/entropy_fcn_digits.py')
BALD = osp.join(REPO_ROOT, 'configs/al/bald_digits_pool11f.py')


@pytest.fixture(scope='module')
def options(tiny_al_options, tiny_scenes):
    return tiny_al_options(tiny_scenes)


CASES = {
    'coreset layer missing': (FCN, ['active_learning.acquisition.type=CoresetAcquisition'], [
        'active_learning.acquisition (CoresetAcquisition)',
        "'decode_head.bottleneck' is not a module", 'FCNHead', 'decode_head.convs']),
    'bald without dropout': (BALD, ['model.decode_head.dropout_ratio=0'], [
        'active_learning.acquisition (BALDAcquisition)', 'no dropout layer with p > 0',
        'dropout_ratio']),
    'saved features layer missing': (FCN, ['active_learning.save_pool_features=True'], [
        'active_learning.save_pool_features', "'decode_head.bottleneck' is not a module"]),
    'acquisition option': (FCN, ['active_learning.acquisition.type=CoresetAcquisition',
                                 'active_learning.acquisition.backend=annoy'], [
        'active_learning.acquisition', "backend must be one of ('torch', 'faiss')"]),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_error_line_before_anything_trains(case, al_train, options, tmp_path):
    config, extra, fragments = CASES[case]
    work_dir = tmp_path / 'run'
    with pytest.raises(SystemExit) as exc:
        al_train([config, '--work-dir', str(work_dir), '--cfg-options', *options, *extra])
    message = str(exc.value.code)
    assert message.startswith('error: ') and '\n' not in message, message
    for fragment in fragments:
        assert fragment in message, message
    # No state and no cycle: the fixed config starts afresh, it is not "another config".
    assert not osp.exists(work_dir) or os.listdir(work_dir) == []
