"""The study runner end to end on the local backend: kill it, re-run it, report it."""
import json
import os
import os.path as osp

import pytest

pytestmark = pytest.mark.slow


def test_kill_and_rerun_loses_and_repeats_nothing(local_study, phases):
    assert local_study['children_gone']
    selection, mtime = local_study['selection']
    assert os.stat(selection).st_mtime_ns == mtime  # cycle 0's acquisition ran once
    for seed, before in local_study['at_kill'].items():
        after = phases(osp.join(local_study['dir'], 'Entropy_tiny', f'seed_{seed}'))
        assert after[:len(before)] == before
        assert set(after) == {('0', 'train'), ('0', 'eval'), ('0', 'acquire'), ('1', 'train'),
                              ('1', 'eval')}
    log = open(osp.join(local_study['dir'], 'Entropy_tiny', 'seed_0', 'al_train.log')).read()
    assert log.count('=====') == 2  # two attempts, both in the run's own log


def test_failed_runs_are_reported_and_do_not_stop_the_others(local_study, capsys, tool):
    assert local_study['exit'] == 1  # the broken experiment failed, the Entropy runs did not
    with pytest.raises(SystemExit):
        tool('al_study').main(local_study['argv'])
    err = capsys.readouterr().err
    assert 'FAILED broken/seed_0 (exit 1)' in err and 'budget is larger than the pool' in err
    tool('al_study').main(local_study['argv'][:3] + ['--status'])
    out = capsys.readouterr().out
    assert '4 runs: 2 done, 0 running, 2 failed, 0 pending' in out


def test_report_of_a_real_study(local_study, tool, capsys):
    tool('al_study').main(local_study['argv'][:3] + ['--report'])
    report = open(osp.join(local_study['dir'], 'report.md')).read()
    assert '## tiny, budget' not in report  # the tiny study has no budget axis
    assert '## Mode collapse' in report and '## t-SNE' in report
    assert osp.isfile(osp.join(local_study['dir'], 'tsne_tiny.png'))
    features = json.load(open(osp.join(local_study['dir'], 'study.json')))
    assert features['seeds'] == [0, 1]
    rows = open(osp.join(local_study['dir'], 'study_table.csv')).read().splitlines()
    assert len(rows) == 3 and rows[0].startswith('experiment,seed,pool,budget,method,ssl')
