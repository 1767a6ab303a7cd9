"""The tiny study the runner's end-to-end tests share (run once per session)."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest

from mmseg_al.work_dir_files import STATE_FILE

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STUDY = osp.join(REPO_ROOT, 'tests/data/configs/study_tiny.py')


@pytest.fixture(scope='session')
def study_options(tiny_al_options, tiny_scenes):
    """--cfg-options of the tiny study's runs."""
    return tiny_al_options(tiny_scenes)


def finished_phases(work_dir):
    """(cycle, phase) pairs al_state.json records as finished, in order."""
    path = osp.join(work_dir, STATE_FILE)
    if not osp.isfile(path):
        return []
    return [(k, p) for k, entry in json.load(open(path))['cycles'].items() for p in entry['done']]


@pytest.fixture(scope='session')
def local_study(study_options, tmp_path_factory, tool):
    """The tiny study run with 2 workers, killed once mid-way and run again."""
    study_dir = str(tmp_path_factory.mktemp('local_study'))
    argv = [STUDY, '--work-dir', study_dir, '--workers', '2', '--cfg-options',
            *study_options]
    runner = subprocess.Popen([sys.executable, osp.join(REPO_ROOT, 'tools/al_study.py'), *argv],
                              cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seed_0 = osp.join(study_dir, 'Entropy_tiny', 'seed_0')
    deadline = time.time() + 400
    while ('0', 'acquire') not in finished_phases(seed_0) and time.time() < deadline:
        assert runner.poll() is None, 'the study finished before it could be killed'
        time.sleep(0.5)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    at_kill = {seed: finished_phases(osp.join(study_dir, 'Entropy_tiny', f'seed_{seed}'))
               for seed in (0, 1)}
    selection = osp.join(seed_0, 'cycle_0', 'selection.json')
    selection_mtime = os.stat(selection).st_mtime_ns
    # Its children die with it (no second al_train.py on the same work dir).
    pids = [json.load(open(osp.join(study_dir, 'Entropy_tiny', f'seed_{s}',
                                    'study_run.json')))['pid'] for s in (0, 1)
            if osp.isfile(osp.join(study_dir, 'Entropy_tiny', f'seed_{s}', 'study_run.json'))]
    deadline = time.time() + 60
    while any(osp.exists(f'/proc/{pid}') for pid in pids) and time.time() < deadline:
        time.sleep(0.2)
    children_gone = not any(osp.exists(f'/proc/{pid}') for pid in pids)
    with pytest.raises(SystemExit) as exc:
        tool('al_study').main(argv)
    return dict(dir=study_dir, argv=argv, at_kill=at_kill, exit=exc.value.code,
                selection=(selection, selection_mtime), children_gone=children_gone)


@pytest.fixture(scope='session')
def phases():
    """``phases(work_dir)``: the finished (cycle, phase) pairs of a run."""
    return finished_phases


@pytest.fixture(scope='session')
def study_config():
    return STUDY
