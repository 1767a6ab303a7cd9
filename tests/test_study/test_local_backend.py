"""The study runner end to end on the local backend: kill it, re-run it, report it."""
import json
import os
import os.path as osp

import numpy as np
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
    assert '| 2/4 [' in err.split('FAILED')[0]  # the bar counts the finished runs from its start
    tool('al_study').main(local_study['argv'][:3] + ['--status'])
    out = capsys.readouterr().out
    assert '4 runs: 2 done, 0 running, 2 failed, 0 pending' in out


def test_report_of_a_real_study(local_study, tool, capsys):
    tool('al_study').main(local_study['argv'][:3] + ['--report'])
    report = open(osp.join(local_study['dir'], 'report.md')).read()
    assert '## tiny, budget' not in report  # the tiny study has no budget axis
    assert '## Mode collapse' in report and '## t-SNE' in report
    assert osp.isfile(osp.join(local_study['dir'], 'tsne_tiny.png'))
    assert json.load(open(osp.join(local_study['dir'], 'study.json')))['seeds'] == [0, 1]
    rows = open(osp.join(local_study['dir'], 'study_table.csv')).read().splitlines()
    assert len(rows) == 3 and rows[0].startswith('experiment,seed,pool,budget,method,ssl')


def test_acquisition_saves_the_pool_features_it_was_asked_for(local_study):
    run_dir = osp.join(local_study['dir'], 'Entropy_tiny', 'seed_0')
    features = np.load(osp.join(run_dir, 'cycle_0', 'pool_features.npz'))
    labeled = json.load(open(osp.join(run_dir, 'al_state.json')))['labeled']
    initial = {s for s, cycle in labeled.items() if cycle == 0}
    assert len(features['ids']) == 60 and len(set(features['ids'])) == 60  # the whole pool
    assert {s for s, flag in zip(features['ids'], features['labeled']) if flag} == initial
    assert features['features'].shape[0] == 60 and features['features'].ndim == 2
    assert np.isfinite(features['features']).all()
    assert len(set(features['sequence'])) == 6  # the tiny tree's 6 train sequences


def test_a_report_from_its_own_table_counts_the_same_runs(local_study, tool, tmp_path):
    argv = local_study['argv'][:3]
    tool('al_study').main(argv + ['--report'])
    table = osp.join(local_study['dir'], 'study_table.csv')
    tool('al_study').main(argv + ['--report', '--table', table, '--out', str(tmp_path)])
    from_runs = open(osp.join(local_study['dir'], 'report.md')).read().splitlines()
    from_table = open(tmp_path / 'report.md').read().splitlines()
    assert from_runs[2].startswith('2 of 4 runs with results (2 experiments × 2 seeds)')
    assert from_table[2].split(';')[0] == from_runs[2].split(';')[0]
    assert '## Mode collapse' not in from_table and os.listdir(tmp_path) == ['report.md']


def test_only_runs_the_selected_runs(study_config, study_options, tool, tmp_path):
    study_dir = tmp_path / 'study'
    with pytest.raises(SystemExit) as exc:
        tool('al_study').main([study_config, '--work-dir', str(study_dir), '--only',
                               'method=Random', 'seed=1', '--cfg-options', *study_options])
    assert exc.value.code == 1  # the one selected run is the broken one
    started = [p.relative_to(study_dir).as_posix() for p in study_dir.glob('*/seed_*')]
    assert started == ['broken/seed_1']  # the Entropy runs were never started
