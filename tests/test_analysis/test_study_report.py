"""The study table, paper tables, strategy guide and report on a synthetic study dir."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest

from mmseg_al.analysis.study_report import paper_table, write_study_report
from mmseg_al.analysis.study_table import (add_table_rows, mode_collapse, paired_difference,
                                           read_study, read_table_csv, ssl_gains,
                                           strategy_guide, study_table, table_csv)
from mmseg_al.analysis.tsne import acquisition_points

# (method, ssl) -> mIoU per cycle at seeds 0, 1 (x = 10, 20, 30 %).
CURVES = {('Random', 'sup'): ([10, 20, 30], [12, 22, 32]),
          ('Entropy', 'sup'): ([10, 24, 34], [12, 20, 30]),
          ('Coreset', 'sup'): ([10, 30, 40], [12, 32, 42]),
          ('Random', 'SSL'): ([15, 25, 35], [15, 25, 35])}


def auc(mious):  # trapezoid over fractions 0.1..0.3, as budget_metrics computes it
    return 0.1 * (mious[0] + mious[1]) / 2 + 0.1 * (mious[1] + mious[2]) / 2


def write_run(study_dir, name, seed, mious, near=0.5, cpus=('CPU A',)):
    """A run's results.json; cycle k trained on ``cpus[k]`` (the last one repeats)."""
    cycles = [dict(cycle=k, num_labeled=10 * (k + 1), percent_labeled=10.0 * (k + 1), mIoU=m,
                   per_class_iou={}, selection_diagnostics=None if k == 0 else dict(
                       near_duplicate=near, share_sequence=near, sequences=3,
                       largest_sequence_share=0.25),
                   environment=dict(cpu=cpus[min(k, len(cpus) - 1)]))
              for k, m in enumerate(mious)]
    path = study_dir / name / f'seed_{seed}'
    path.mkdir(parents=True)
    (path / 'results.json').write_text(json.dumps(dict(
        config='x.py', method=name, ssl=None, seed=seed, cycles=cycles,
        auc={'20': None, '30': auc(mious)}, miou_at={'20': mious[1], '30': mious[2]})))


@pytest.fixture
def study_dir(tmp_path):
    experiments = []
    for (method, ssl), per_seed in CURVES.items():
        name = f'{method}_{ssl}_P_2-2'
        experiments.append(dict(name=name, tags=dict(method=method, ssl=ssl, pool='P',
                                                     budget='2-2'),
                                ssl_model='S4GANSegmentor' if ssl == 'SSL' else None))
        for seed, mious in enumerate(per_seed):
            # Random's seed 1 was resumed on another machine after its first cycle.
            cpus = ('CPU A', 'CPU B') if (method, ssl, seed) == ('Random', 'sup', 1) else ('CPU A',)
            write_run(tmp_path, name, seed, mious, near=0.9 if method == 'Entropy' else 0.1,
                      cpus=cpus)
    experiments.append(dict(name='full_P', tags=dict(method='100%', pool='P', ssl='sup')))
    for seed, m in enumerate((50, 52)):
        path = tmp_path / 'full_P' / f'seed_{seed}'
        path.mkdir(parents=True)
        (path / 'results.json').write_text(json.dumps(dict(
            config='x.py', method='RandomAcquisition', ssl=None, seed=seed, cycles=[dict(
                cycle=0, num_labeled=100, percent_labeled=100.0, mIoU=m, per_class_iou={},
                selection_diagnostics=None)], auc={'100': None}, miou_at={'100': m})))
    (tmp_path / 'study.json').write_text(json.dumps(dict(
        name='syn', config='s.py', seeds=[0, 1], experiments=experiments)))
    return tmp_path


def test_study_table_has_one_row_per_run(study_dir):
    rows = study_table(study_dir)
    assert len(rows) == 10
    coreset = [r for r in rows if r['method'] == 'Coreset']
    assert [r['auc'] for r in coreset] == pytest.approx([auc([10, 30, 40]), auc([12, 32, 42])])
    assert coreset[0]['miou'] == 40 and coreset[0]['B'] == '30'
    assert coreset[0]['pool'] == 'P' and coreset[0]['ssl'] == 'sup'
    assert [r['budget'] for r in rows if r['method'] == '100%'] == [None, None]
    assert [r['cpu'] for r in rows if r['method'] == 'Random'] == [
        'CPU A', 'CPU A + CPU B', 'CPU A', 'CPU A']
    assert [r['cpu'] for r in rows if r['method'] == '100%'] == [None, None]  # not recorded
    csv = table_csv(rows).splitlines()
    assert csv[0].split(',')[:7] == ['experiment', 'seed', 'pool', 'budget', 'method', 'ssl',
                                     'cpu']
    assert len(csv) == 11


def test_paired_difference_and_guide(study_dir):
    rows = study_table(study_dir)
    entropy = [r for r in rows if r['method'] == 'Entropy']
    random = [r for r in rows if r['method'] == 'Random' and r['ssl'] == 'sup']
    diffs = [auc([10, 24, 34]) - auc([10, 20, 30]), auc([12, 20, 30]) - auc([12, 22, 32])]
    mean, std, n = paired_difference(entropy, random, 'auc')
    assert (mean, std, n) == pytest.approx((np.mean(diffs), np.std(diffs), 2))
    guide = {c['ssl']: c for c in strategy_guide(rows, 'auc')}
    assert set(guide) == {'sup'}  # SSL has one method only: no contest
    cell = guide['sup']
    assert (cell['winner'], cell['runner_up']) == ('Coreset', 'Entropy')
    coreset, entropy_ = np.mean([auc([10, 30, 40]), auc([12, 32, 42])]), np.mean(
        [auc([10, 24, 34]), auc([12, 20, 30])])
    assert cell['margin'] == pytest.approx(coreset - entropy_)
    spread = max(np.std([auc([10, 30, 40]), auc([12, 32, 42])]),
                 np.std([auc([10, 24, 34]), auc([12, 20, 30])]))
    assert cell['clear'] == (cell['margin'] > spread)


def test_ssl_gains_pair_each_method_with_its_supervised_twin(study_dir):
    rows = study_table(study_dir)
    gains = ssl_gains(rows, 'auc', 'sup')
    # Only Random has an SSL twin; its gain per seed is hand-computed from CURVES.
    diffs = [auc([15, 25, 35]) - auc([10, 20, 30]), auc([15, 25, 35]) - auc([12, 22, 32])]
    assert [(g['method'], g['ssl'], g['seeds']) for g in gains] == [('Random', 'SSL', 2)]
    assert (gains[0]['gain'], gains[0]['std']) == pytest.approx((np.mean(diffs), np.std(diffs)))
    assert ssl_gains(rows, 'auc', 'no-such-setting') == []


def test_paper_table_marks_the_best_and_lists_the_full_rows(study_dir):
    rows = study_table(study_dir)
    cell = [r for r in rows if r['budget'] == '2-2']
    full = [r for r in rows if r['budget'] is None]
    table = paper_table(cell, full, 'sup')
    lines = table.splitlines()
    coreset = next(line for line in lines if line.startswith('| Coreset |'))
    assert f'**{np.mean([40, 42]):.2f} ± {np.std([40, 42]):.2f}**' in coreset  # best mIoU@30
    random_ssl = next(line for line in lines if line.startswith('| Random-SSL |'))
    assert '**' not in random_ssl and 'vs Random' in lines[0]
    assert next(line for line in lines if line.startswith('| 100% |')).count('51.00 ± 1.00') == 1


def test_mode_collapse_and_report(study_dir):
    collapse = mode_collapse(study_dir)
    entropy = [r for r in collapse if r['method'] == 'Entropy']
    assert [r['cycle'] for r in entropy] == [1, 2] and entropy[0]['near_duplicate'] == 0.9
    assert entropy[0]['seeds'] == 2
    report = open(write_study_report(str(study_dir))).read()
    assert '## P, budget 2-2' in report and '## Strategy guide' in report
    assert '| P | 2-2 | sup | Coreset |' in report
    assert '## What SSL adds to each method' in report and '| P | 2-2 | Random | SSL |' in report
    for png in ('curves_P_2-2.png', 'mode_collapse_2-2.png'):
        assert osp.getsize(study_dir / png) > 0
    assert osp.isfile(study_dir / 'study_table.csv')


def test_the_guide_names_the_methods_a_cell_has_not_run(study_dir):
    """A winner drawn from part of a cell says which methods the contest left out."""
    report = open(write_study_report(str(study_dir))).read()
    assert next(line for line in report.splitlines()
                if line.startswith('| P | 2-2 | sup |')).endswith('| 2 | - |')
    shutil.rmtree(study_dir / 'Coreset_sup_P_2-2')
    report = open(write_study_report(str(study_dir))).read()
    row = next(line for line in report.splitlines() if line.startswith('| P | 2-2 | sup |'))
    assert row.startswith('| P | 2-2 | sup | Entropy |') and row.endswith('| 2 | Coreset |')


def test_a_study_whose_runs_all_train_with_ssl_labels_them_as_ssl(tmp_path):
    """A study of a grid's SSL half tags its experiments ssl='SSL' like the grid does; its
    rows must not read as supervised ones, as the first ssl tag of the study would say."""
    experiments = []
    for method in ('Random', 'Coreset'):
        name = f'{method}_SSL_P_2-2'
        experiments.append(dict(name=name, ssl_model='S4GANSegmentor',
                                tags=dict(method=method, ssl='SSL', pool='P', budget='2-2')))
        for seed, mious in enumerate(CURVES[(method, 'sup')]):
            write_run(tmp_path, name, seed, mious)
    (tmp_path / 'study.json').write_text(json.dumps(dict(
        name='ssl_half', config='s.py', seeds=[0, 1], experiments=experiments)))
    report = open(write_study_report(str(tmp_path))).read()
    assert '| Coreset-SSL | 2 |' in report and '| Random-SSL | 2 |' in report
    assert not [line for line in report.splitlines() if line.startswith(('| Coreset |',
                                                                         '| Random |'))]
    assert '| P | 2-2 | SSL | Coreset |' in report  # the guide's cell is the SSL one


def test_tsne_points_mark_labeled_unlabeled_and_picked(tmp_path):
    rng = np.random.default_rng(0)
    ids = np.array([f's{i}' for i in range(20)])
    np.savez(tmp_path / 'pool_features.npz', ids=ids, features=rng.normal(size=(20, 8)),
             labeled=np.arange(20) >= 15, sequence=np.array([str(i // 5) for i in range(20)]))
    (tmp_path / 'selection.json').write_text(json.dumps(dict(ids=['s0', 's3'])))
    points = acquisition_points(str(tmp_path))
    assert points['xy'].shape == (20, 2)
    assert list(points['status']).count('picked') == 2 and points['status'][0] == 'picked'
    assert list(points['status']).count('labeled') == 5
    assert acquisition_points(str(tmp_path / 'missing')) is None


def test_analyze_tool_reports_a_study_dir(study_dir, tool, capsys):
    tool('analyze').main([str(study_dir)])
    assert 'report written to' in capsys.readouterr().out
    assert osp.isfile(study_dir / 'report.md')


def test_markdown_tables_show_a_missing_value_as_a_dash():
    from mmseg_al.analysis.study_report import _md_table
    table = _md_table(['pool', 'ssl'], [dict(pool='P', ssl=None), dict(pool='Q')])
    assert table.splitlines()[2:] == ['| P | - |', '| Q | - |']  # a grid without an SSL axis


def test_a_study_table_reads_back_as_the_rows_it_was_written_from(study_dir, tmp_path):
    rows = study_table(study_dir)
    path = tmp_path / 'table.csv'
    path.write_text(table_csv(rows))
    # A result a run has none of (auc@100 of a 100 % row) comes back as no key, as .get
    # reads it; a missing tag or cpu stays a None value.
    assert read_table_csv(str(path)) == [{k: v for k, v in r.items() if v is not None or
                                          k in ('pool', 'budget', 'method', 'ssl', 'cpu')}
                                         for r in rows]
    (tmp_path / 'other.csv').write_text('a,b\n1,2\n')
    with pytest.raises(ValueError, match='not a study table'):
        read_table_csv(str(tmp_path / 'other.csv'))


def _sub_study_table(tmp_path, rows):
    """A study_table.csv of a sub-study: no SSL axis, so its supervised rows have no ssl tag."""
    path = tmp_path / 'sub' / 'study_table.csv'
    path.parent.mkdir(exist_ok=True)
    path.write_text(table_csv([dict(experiment=f"{r['method']}_P_2-2", seed=r['seed'], pool='P',
                                    budget='2-2', method=r['method'], ssl=None, auc=r['auc'],
                                    **{'auc@30': r['auc']}) for r in rows]))
    return str(path)


@pytest.fixture
def study_missing_a_run(study_dir):
    """The synthetic study without its Coreset seed-1 run dir (a sub-study ran it)."""
    shutil.rmtree(study_dir / 'Coreset_sup_P_2-2' / 'seed_1')
    return study_dir


def test_table_rows_join_the_experiment_with_their_tags(study_missing_a_run, tmp_path):
    own = study_table(study_missing_a_run)
    entropy_0 = next(r for r in own if r['method'] == 'Entropy' and r['seed'] == 0)
    table = _sub_study_table(tmp_path, [
        dict(method='Coreset', seed=1, auc=auc([12, 32, 42])),  # the run the study dir lacks
        dict(method='Entropy', seed=0, auc=entropy_0['auc']),   # one it has: the same run
        dict(method='Random-MCD', seed=0, auc=1.0)])            # a control outside the grid
    rows, differing = add_table_rows(own, [table],
                                     read_study(study_missing_a_run)['experiments'])
    assert differing == []
    added = rows[len(own):]
    assert rows[:len(own)] == [dict(r, source=None) for r in own]
    assert [(r['experiment'], r['seed'], r['ssl'], r['source']) for r in added] == [
        ('Coreset_sup_P_2-2', 1, 'sup', table), ('Random-MCD_P_2-2', 0, 'sup', table)]
    # The rejoined seed makes the guide's Coreset mean that of the full fixture again.
    cell = next(c for c in strategy_guide(rows, 'auc') if c['ssl'] == 'sup')
    assert cell['winner'] == 'Coreset' and cell['seeds'] == 2
    assert cell['winner_mean'] == pytest.approx(np.mean([auc([10, 30, 40]), auc([12, 32, 42])]))


def test_a_run_read_twice_keeps_its_first_results_and_shows_the_other(study_dir, tmp_path):
    own = study_table(study_dir)
    table = _sub_study_table(tmp_path, [dict(method='Entropy', seed=0, auc=99.0)])
    rows, differing = add_table_rows(own, [table], read_study(study_dir)['experiments'])
    assert len(rows) == len(own) and 99.0 not in [r['auc'] for r in rows]
    assert [(d['experiment'], d['seed'], d['kept']['source'], d['other']['auc'])
            for d in differing] == [('Entropy_sup_P_2-2', 0, None, 99.0)]
    report = open(write_study_report(str(study_dir), [table])).read()
    kept = auc([10, 24, 34])
    assert (f'| Entropy_sup_P_2-2 | 0 | study dir | {kept:.2f} | `{osp.relpath(table)}` | '
            f'99.00 | {99 - kept:+.2f} |') in report


def test_a_100_percent_run_read_twice_is_shown_by_its_miou(study_dir, tmp_path):
    """A one-cycle run records an AUC of 0 (no area): the two readings differ in mIoU."""
    shutil.rmtree(study_dir / 'full_P' / 'seed_1')
    tables = []
    for name, miou in (('a', 52.0), ('b', 49.5)):
        path = tmp_path / name / 'study_table.csv'
        path.parent.mkdir()
        path.write_text(table_csv([dict(experiment='full_P', seed=1, pool='P', budget=None,
                                        method='100%', ssl=None, cycles=1, final_mIoU=miou,
                                        B=100, auc=0.0, miou=miou)]))
        tables.append(str(path))
    report = open(write_study_report(str(study_dir), tables)).read()
    assert (f'| full_P | 1 | `{osp.relpath(tables[0])}` | 52.00 | `{osp.relpath(tables[1])}` '
            '| 49.50 | -2.50 |') in report


def test_report_with_tables_counts_their_runs_and_shows_coverage(study_missing_a_run,
                                                                 tmp_path):
    report = open(write_study_report(str(study_missing_a_run))).read()
    assert report.startswith('# Study syn\n\n9 of 10 runs with results')
    assert '## Coverage' not in report
    control = _sub_study_table(tmp_path, [dict(method='Random-MCD', seed=0, auc=1.0)])
    report = open(write_study_report(str(study_missing_a_run), [control])).read()
    assert '9 of 10 runs with results' in report and '1 of them outside this grid' in report
    assert '| P | 2-2 | sup | Random, Entropy, Coreset (1 seeds) | - |' in report
    table = _sub_study_table(tmp_path, [dict(method='Coreset', seed=1, auc=auc([12, 32, 42]))])
    report = open(write_study_report(str(study_missing_a_run), [table])).read()
    assert '10 of 10 runs with results' in report
    assert '1 runs come from the tables of other studies' in report
    assert '| P | 2-2 | sup | Random, Entropy, Coreset | - |' in report
    assert '| P | 2-2 | SSL | Random | - |' in report
    csv_rows = read_table_csv(str(study_missing_a_run / 'study_table.csv'))
    assert [r['source'] for r in csv_rows].count(table) == 1
