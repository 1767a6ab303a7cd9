import json

import pytest

from mmseg_al.al_state import ALState
from mmseg_al.fileio import StateError


def test_state_round_trip_and_phases(tmp_path):
    path = str(tmp_path / 'al_state.json')
    state = ALState(path, seed=3, config_hash='abc', labeled={'a': 0})
    state.mark_done(0, 'train', checkpoint='x.pth')
    state.mark_done(0, 'eval', metrics={'mIoU': 1.0})
    loaded = ALState.load(path)
    assert loaded.seed == 3 and loaded.labeled == {'a': 0}
    assert loaded.is_done(0, 'train') and loaded.is_done(0, 'eval')
    assert not loaded.is_done(0, 'acquire') and not loaded.is_done(1, 'train')
    assert loaded.cycle(0)['checkpoint'] == 'x.pth'


def test_corrupt_state_is_a_clear_error_and_untouched(tmp_path):
    path = tmp_path / 'al_state.json'
    path.write_text('{"version": 1, "seed": ')
    with pytest.raises(StateError, match='corrupt.*--restart'):
        ALState.load(str(path))
    assert path.read_text() == '{"version": 1, "seed": '
    path.write_text(json.dumps({'version': 1}))
    with pytest.raises(StateError, match='lacks'):
        ALState.load(str(path))
