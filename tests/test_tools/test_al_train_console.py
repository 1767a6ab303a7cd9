"""tools/al_train.py's console: a bar per phase and a line per cycle; the full log on disk."""
import glob
import json
import os.path as osp
import re

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO_ROOT, 'configs/al/entropy_digits_pool11f.py')
pytestmark = pytest.mark.slow


def _run(al_train, capsys, work_dir, options, *extra):
    al_train([DEMO, '--work-dir', str(work_dir), *extra, '--cfg-options', *options])
    captured = capsys.readouterr()
    with open(work_dir / 'results.json') as f:
        return captured.out, captured.err, json.load(f)


def test_console_is_a_bar_per_phase_and_a_line_per_cycle(al_train, tiny_al_options,
                                                         tiny_scenes, tmp_path, capsys):
    out, err, results = _run(al_train, capsys, tmp_path, tiny_al_options(tiny_scenes))
    # Before: about 400 lines a cycle (environment, config, hooks, every logged iteration).
    assert len((out + err).splitlines()) <= 30, out + err
    assert 'System environment' not in out and 'Iter(train)' not in out
    summaries = re.findall(r'cycle (\d)/1: mIoU (\d+\.\d\d) with (\d+) labeled', out)
    assert summaries == [(str(c['cycle']), f"{c['mIoU']:.2f}", str(c['num_labeled']))
                         for c in results['cycles']]
    for phase in ('train', 'eval'):
        assert f'cycle 0/1 {phase}' in err and f'cycle 1/1 {phase}' in err

    # The work dir keeps mmengine's log in full: dump, hooks, every logged iteration.
    logs = glob.glob(str(tmp_path / 'cycle_0' / '*' / '*.log'))
    assert len(logs) == 1
    log = open(logs[0]).read()
    for line in ('System environment', 'Config:', 'Hooks will be executed',
                 'Iter(train) [4/4]', 'Iter(val)', f"data_root='{tiny_scenes}'"):
        assert line in log, line


def test_verbose_shows_mmengine_log_on_the_console(al_train, tiny_al_options, tiny_scenes,
                                                   tmp_path, capsys):
    options = tiny_al_options(tiny_scenes, num_cycles=0)
    out, err, _ = _run(al_train, capsys, tmp_path, options, '--verbose')
    for line in ('System environment', 'Config:', 'Iter(train) [4/4]'):
        assert line in out, line
    assert 'cycle 0/0 train' not in err  # mmengine's lines report the progress
    assert re.search(r'cycle 0/0: mIoU \d+\.\d\d with 6 labeled', out)
