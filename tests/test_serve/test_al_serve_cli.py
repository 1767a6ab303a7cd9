"""tools/al_serve.py refuses what it cannot serve, and shares the work-dir lock with al_train."""
import os.path as osp

import pytest
from _own_images import make_own_images

from mmseg_al.engine.lock import WorkDirLock

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_a_run_without_people_is_refused_before_anything_is_written(tool, tmp_path):
    work_dir = tmp_path / 'work'
    with pytest.raises(SystemExit, match="labels come from people: set active_learning.oracle="
                                         "'human' \\(the config has 'dataset'\\)"):
        tool('al_serve').main([osp.join(REPO_ROOT, 'configs/al/random_digits_pool11f.py'),
                               '--work-dir', str(work_dir)])
    assert not work_dir.exists()


def test_one_driver_per_work_dir(tool, al_train, tiny_scenes, tmp_path, monkeypatch):
    config, _ = make_own_images(str(tmp_path / 'own'), tiny_scenes)
    work_dir = str(tmp_path / 'work')
    serving = WorkDirLock(work_dir, 'tools/al_serve.py').acquire()
    try:
        with pytest.raises(SystemExit, match='driven by another process \\(tools/al_serve.py'):
            al_train([config, '--work-dir', work_dir])
        al_serve = tool('al_serve')
        monkeypatch.setattr(al_serve, 'LOCK_WAIT_S', 0)
        with pytest.raises(SystemExit, match='driven by another process'):
            al_serve.main([config, '--work-dir', work_dir])
    finally:
        serving.release()
    assert not osp.exists(work_dir)
