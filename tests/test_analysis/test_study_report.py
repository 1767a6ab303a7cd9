"""The study table, paper tables, strategy guide and report on a synthetic study dir."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmseg_al.analysis.study_report import paper_table, write_study_report
from mmseg_al.analysis.study_table import (mode_collapse, paired_interval, read_study,
                                           read_table_csv, select_study, ssl_gains,
                                           strategy_guide, study_runs, study_table, table_csv)
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


def write_study_of_runs(study_dir, name, experiments):
    """study.json of ``experiments``, each run at seeds 0 and 1 with the supervised curves
    of its method; returns the report's text."""
    for experiment in experiments:
        for seed, mious in enumerate(CURVES[(experiment['tags']['method'], 'sup')]):
            write_run(study_dir, experiment['name'], seed, mious)
    (study_dir / 'study.json').write_text(json.dumps(dict(
        name=name, config='s.py', seeds=[0, 1], experiments=experiments)))
    return open(write_study_report(str(study_dir))).read()


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


GUIDE = 'Strategy guide (computed from this study)'


def rows_of(study_dir, only=None):
    """The study table of the study dir (of the part ``only`` selects)."""
    return study_table(study_runs(study_dir, select_study(read_study(study_dir), only)))


def test_study_table_has_one_row_per_run(study_dir):
    rows = rows_of(study_dir)
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


def test_paired_interval_is_the_t_interval_of_the_seed_differences(study_dir):
    rows = rows_of(study_dir)
    entropy = [r for r in rows if r['method'] == 'Entropy']
    random = [r for r in rows if r['method'] == 'Random' and r['ssl'] == 'sup']
    diffs = [auc([10, 24, 34]) - auc([10, 20, 30]), auc([12, 20, 30]) - auc([12, 22, 32])]
    # 2 seeds: t(0.975, 1 df) = 12.706, s = |d0 - d1| / sqrt(2), half = t * s / sqrt(2).
    half = 12.7062 * abs(diffs[0] - diffs[1]) / 2
    mean, low, high, n = paired_interval(entropy, random, 'auc')
    assert (mean, low, high, n) == pytest.approx(
        (np.mean(diffs), np.mean(diffs) - half, np.mean(diffs) + half, 2), abs=1e-4)
    # 3 seeds: t(0.975, 2 df) = 4.303; one seed: no interval; none shared: nothing.
    three = [dict(seed=s, auc=v) for s, v in enumerate((1.0, 2.0, 4.0))]
    zero = [dict(seed=s, auc=0.0) for s in range(3)]
    half = 4.3027 * np.std([1, 2, 4], ddof=1) / np.sqrt(3)
    assert paired_interval(three, zero, 'auc') == pytest.approx(
        (7 / 3, 7 / 3 - half, 7 / 3 + half, 3), abs=1e-4)
    assert paired_interval(three[:1], zero, 'auc') == (1.0, None, None, 1)
    assert paired_interval(three, [], 'auc') == (None, None, None, 0)


def test_guide_ties_the_methods_the_leader_does_not_beat_seed_by_seed(study_dir):
    rows = rows_of(study_dir)
    guide = {c['ssl']: c for c in strategy_guide(rows, 'auc')}
    assert set(guide) == {'sup'}  # SSL has one method only: no contest
    cell = guide['sup']
    # AUC per seed (hand-computed from CURVES): Coreset 5.5, 5.9; Entropy 4.6, 4.1;
    # Random 4.0, 4.4. Coreset - Entropy = 0.9, 1.8: mean 1.35, half 12.706 * 0.45.
    assert (cell['winner'], cell['runner_up']) == ('Coreset', 'Entropy')
    assert cell['winner_mean'] == pytest.approx(5.7)
    assert (cell['margin'], cell['low'], cell['high']) == pytest.approx(
        (1.35, 1.35 - 12.7062 * 0.45, 1.35 + 12.7062 * 0.45), abs=1e-3)
    # Coreset - Random = 1.5 at both seeds: an interval of width 0 that excludes 0.
    assert cell['tied'] == ['Entropy'] and not cell['clear']


def test_ssl_gains_pair_each_method_with_its_supervised_twin(study_dir):
    rows = rows_of(study_dir)
    gains = ssl_gains(rows, 'auc', 'sup')
    # Only Random has an SSL twin; its gain per seed is hand-computed from CURVES.
    diffs = [auc([15, 25, 35]) - auc([10, 20, 30]), auc([15, 25, 35]) - auc([12, 22, 32])]
    assert [(g['method'], g['ssl'], g['seeds']) for g in gains] == [('Random', 'SSL', 2)]
    half = 12.7062 * abs(diffs[0] - diffs[1]) / 2
    assert (gains[0]['gain'], gains[0]['low'], gains[0]['high']) == pytest.approx(
        (np.mean(diffs), np.mean(diffs) - half, np.mean(diffs) + half), abs=1e-4)
    assert ssl_gains(rows, 'auc', 'no-such-setting') == []


def test_paper_table_marks_the_best_and_lists_the_full_rows(study_dir):
    rows = rows_of(study_dir)
    cell = [r for r in rows if r['budget'] == '2-2']
    full = [r for r in rows if r['budget'] is None]
    table = paper_table(cell, full, 'sup')
    lines = table.splitlines()
    coreset = next(line for line in lines if line.startswith('| Coreset |'))
    assert f'**{np.mean([40, 42]):.2f} ± {np.std([40, 42]):.2f}**' in coreset  # best mIoU@30
    random_ssl = next(line for line in lines if line.startswith('| Random-SSL |'))
    assert '**' not in random_ssl and 'vs Random' in lines[0]
    assert next(line for line in lines if line.startswith('| 100% |')).count('51.00 ± 1.00') == 1
    # Coreset - Random is 1.5 AUC at both seeds (5.5 - 4.0, 5.9 - 4.4): an interval that
    # excludes 0, in bold; Coreset - Entropy (0.9, 1.8) is not distinguishable.
    assert '| **+1.50 [+1.50, +1.50]** |' in coreset
    lines = paper_table(cell, full, 'sup', references=('Random', 'Entropy')).splitlines()
    assert lines[0].endswith('| Δ AUC@30 vs Random | Δ AUC@30 vs Entropy | mIoU@100 |')
    coreset = next(line for line in lines if line.startswith('| Coreset |'))
    assert f'| **+1.50 [+1.50, +1.50]** | +1.35 [{1.35 - 5.718:+.2f}, {1.35 + 5.718:+.2f}] |' \
        in coreset


def test_mode_collapse_and_report(study_dir):
    collapse = mode_collapse(study_runs(study_dir, read_study(study_dir)))
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


def _section(report, title):
    """The lines of one section of a report, without its figures and blank lines."""
    body = report[report.index(f'## {title}\n'):].split('\n## ')[0]
    return [line for line in body.splitlines() if line and not line.startswith('![')]


def test_the_guide_names_the_methods_a_cell_has_not_run(study_dir):
    """A winner drawn from part of a cell says which methods the contest left out."""
    report = open(write_study_report(str(study_dir))).read()
    assert next(line for line in report.splitlines()
                if line.startswith('| P | 2-2 | sup |')).endswith('| 2 | - |')
    shutil.rmtree(study_dir / 'Coreset_sup_P_2-2')
    report = open(write_study_report(str(study_dir), out_dir=str(study_dir / 'part'))).read()
    row = next(line for line in _section(report, GUIDE) if line.startswith('| P | 2-2 | sup |'))
    assert row.startswith('| P | 2-2 | sup | Entropy |') and row.endswith('| 2 | Coreset |')


def test_a_study_whose_runs_all_train_with_ssl_labels_them_as_ssl(tmp_path):
    """A study of a grid's SSL half tags its experiments ssl='SSL' like the grid does; its
    rows must not read as supervised ones, as the first ssl tag of the study would say."""
    report = write_study_of_runs(tmp_path, 'ssl_half', [
        dict(name=f'{method}_SSL_P_2-2', ssl_model='S4GANSegmentor',
             tags=dict(method=method, ssl='SSL', pool='P', budget='2-2'))
        for method in ('Random', 'Coreset')])
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
    from mmseg_al.analysis.tables import markdown_table
    table = markdown_table(['pool', 'ssl'], [dict(pool='P', ssl=None), dict(pool='Q')])
    assert table.splitlines()[2:] == ['| P | - |', '| Q | - |']  # a grid without an SSL axis


def test_a_study_table_reads_back_as_the_rows_it_was_written_from(study_dir, tmp_path):
    rows = rows_of(study_dir)
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




def test_a_part_of_the_study_is_reported_with_coverage(study_dir):
    shutil.rmtree(study_dir / 'Coreset_sup_P_2-2' / 'seed_1')
    report = open(write_study_report(str(study_dir))).read()
    assert report.startswith('# Study syn\n\n9 of 10 runs with results')
    assert '| P | 2-2 | sup | Random, Entropy, Coreset (1 seed) | - |' in report
    assert len(read_table_csv(str(study_dir / 'study_table.csv'))) == 9


def test_an_unfinished_run_is_left_out_not_mixed_into_the_finished_seeds(study_dir):
    # Coreset seed 1 stopped after its second of three cycles (K = 2): its partial curve
    # is on disk, as a running run's is.
    path = study_dir / 'Coreset_sup_P_2-2' / 'seed_1' / 'results.json'
    results = json.loads(path.read_text())
    path.write_text(json.dumps(dict(results, num_cycles=2, cycles=results['cycles'][:2])))
    finished = study_dir / 'Coreset_sup_P_2-2' / 'seed_0' / 'results.json'
    finished.write_text(json.dumps(dict(json.loads(finished.read_text()), num_cycles=2)))
    report = open(write_study_report(str(study_dir))).read()
    assert report.startswith('# Study syn\n\n9 of 10 runs with results '
                             '(5 experiments × 2 seeds; 1 unfinished, left out)')
    assert '| P | 2-2 | sup | Random, Entropy, Coreset (1 seed) | - |' in report
    rows = read_table_csv(str(study_dir / 'study_table.csv'))
    assert [r['seed'] for r in rows if r['method'] == 'Coreset'] == [0]


def test_a_full_study_needs_no_coverage_table(study_dir):
    report = open(write_study_report(str(study_dir))).read()
    assert report.startswith('# Study syn\n\n10 of 10 runs with results')
    assert '## Coverage' not in report


def test_a_report_from_the_committed_table_needs_no_run_dirs(study_dir, tmp_path):
    from_runs = open(write_study_report(str(study_dir))).read()
    table = tmp_path / 'committed' / 'digit_study.csv'
    table.parent.mkdir()
    os.replace(study_dir / 'study_table.csv', table)
    for experiment in read_study(study_dir)['experiments']:
        shutil.rmtree(study_dir / experiment['name'])
    out = tmp_path / 'docs'
    from_table = open(write_study_report(str(study_dir), table=str(table),
                                         out_dir=str(out))).read()
    assert from_table.startswith('# Study syn\n\n10 of 10 runs with results')
    assert f'({osp.relpath(table, out)})' in from_table  # a link to the table it read
    # The same tables, SSL gains and guide; the figures of run dirs are not there.
    assert '## Mode collapse' in from_runs and '## Mode collapse' not in from_table
    for title in ('P, budget 2-2', 'What SSL adds to each method', GUIDE):
        assert _section(from_runs, title) == _section(from_table, title), title
    assert '| P | 2-2 | sup | Coreset |' in from_table
    assert sorted(os.listdir(out)) == ['report.md']  # no second copy of the table


def test_table_rows_of_other_experiments_or_seeds_are_left_out(study_dir, tmp_path):
    write_study_report(str(study_dir))
    rows = read_table_csv(str(study_dir / 'study_table.csv'))
    extra = [dict(rows[0], experiment='Control_P_2-2', method='Control'), dict(rows[0], seed=7)]
    table = tmp_path / 'table.csv'
    table.write_text(table_csv(rows + extra))
    report = open(write_study_report(str(study_dir), table=str(table),
                                     out_dir=str(tmp_path / 'out'))).read()
    assert '10 of 10 runs with results' in report and '2 of its rows are of other' in report
    assert 'Control' not in report


def test_a_report_never_replaces_a_fuller_one(study_dir, tmp_path, tool):
    """A study reported from its table, then re-reported from a study dir whose runs are
    gone, kept the fuller report (it was rewritten as "0 of 10 runs")."""
    write_study_report(str(study_dir))
    table = tmp_path / 'table.csv'
    os.replace(study_dir / 'study_table.csv', table)
    write_study_report(str(study_dir), table=str(table))
    before = open(study_dir / 'report.md').read()
    for experiment in read_study(study_dir)['experiments']:
        shutil.rmtree(study_dir / experiment['name'])
    with pytest.raises(SystemExit, match='report.md counts 10 runs with results, this report '
                       'only 0; it was left as it is'):
        tool('analyze').main([str(study_dir)])
    assert open(study_dir / 'report.md').read() == before
    assert not osp.exists(study_dir / 'study_table.csv')
    # Elsewhere it is written; an equally full report replaces the old one.
    assert '0 of 10 runs' in open(write_study_report(str(study_dir),
                                                     out_dir=str(tmp_path / 'o'))).read()
    write_study_report(str(study_dir), table=str(table))


def test_only_reports_the_runs_with_those_tags(study_dir):
    only = {'method': ['Random', 'Coreset'], 'seed': ['1']}
    report = open(write_study_report(str(study_dir), out_dir=str(study_dir / 'part'),
                                     only=only)).read()
    # Random sup and SSL and Coreset sup, at seed 1.
    assert report.startswith('# Study syn\n\n3 of 3 runs with results '
                             '(3 experiments × 1 seeds)')
    assert '`--only method=Random,Coreset seed=1` selects' in report
    assert '| Coreset | 1 |' in report and 'Entropy' not in report
    assert [(r['method'], r['seed']) for r in read_table_csv(
        str(study_dir / 'part' / 'study_table.csv'))] == [
            ('Random', 1), ('Coreset', 1), ('Random', 1)]


@pytest.mark.parametrize('only, message', [
    ({'metod': ['Random']}, "no key 'metod'; its keys: budget, method, pool, seed, ssl"),
    ({'method': ['Random', 'Foo']}, "no run has 'Foo'; the values of method: Random, Entropy, "
                                    'Coreset, 100%'),
    ({'seed': ['5']}, "no run has '5'; the values of seed: 0, 1"),
    ({'method': ['100%'], 'budget': ['2-2']}, 'matches no experiment'),
])
def test_only_names_the_valid_keys_and_values(study_dir, only, message):
    with pytest.raises(ValueError, match=message):
        select_study(read_study(study_dir), only)


def test_auc_across_pools_is_drawn_from_the_rows(tmp_path, monkeypatch):
    import mmseg_al.analysis.study_report as study_report
    drawn = {}
    monkeypatch.setattr(study_report, 'plot_panels', lambda panels, path, *args, **kwargs:
                        drawn.update({osp.basename(path): (panels, kwargs)}))
    report = write_study_of_runs(tmp_path, 'pools', [
        dict(name=f'{method}_{pool}_2-2', tags=dict(method=method, pool=pool, budget='2-2'))
        for pool in ('P', 'Q') for method in ('Random', 'Entropy')])
    assert '## AUC across pools' in report
    assert '![AUC across pools](auc_by_pool_2-2.png)' in report
    panels, kwargs = drawn['auc_by_pool_2-2.png']
    assert kwargs == dict(xticks=['P', 'Q'])
    assert list(panels) == ['budget 2-2, supervised']
    lines = panels['budget 2-2, supervised']
    assert [(label, x, colour) for label, x, _, _, colour in lines] == [
        ('Random', (0, 1), 0), ('Entropy', (0, 1), 1)]
    for (_, _, mean, std, _), method in zip(lines, ('Random', 'Entropy')):
        aucs = [auc(mious) for mious in CURVES[(method, 'sup')]]  # the same on both pools
        assert mean == pytest.approx([np.mean(aucs)] * 2)
        assert std == pytest.approx([np.std(aucs)] * 2)


def test_a_regime_is_reported_apart_and_beside_its_twin(tmp_path):
    """Pretrained runs neither mix into the scratch cells nor lose their pairing with them."""
    experiments = []
    pretrained_curves = {'Random': ([20, 30, 40], [22, 30, 40]),
                         'Entropy': ([20, 40, 50], [22, 30, 42])}
    for method in ('Random', 'Entropy'):
        tags = dict(method=method, ssl='sup', pool='P', budget='2-2')
        experiments += [dict(name=f'{method}_P', tags=tags),
                        dict(name=f'{method}_P_pretrained', tags=dict(tags, regime='pretrained'))]
        for seed in (0, 1):
            write_run(tmp_path, f'{method}_P', seed, CURVES[(method, 'sup')][seed])
            write_run(tmp_path, f'{method}_P_pretrained', seed, pretrained_curves[method][seed])
    (tmp_path / 'study.json').write_text(json.dumps(dict(
        name='regimes', config='s.py', seeds=[0, 1], experiments=experiments)))
    rows = rows_of(tmp_path)
    assert [r.get('regime') for r in rows] == [None, None, 'pretrained', 'pretrained'] * 2
    assert 'regime' not in rows[0]  # the default regime adds no column
    report = open(write_study_report(str(tmp_path))).read()
    # The CSV keeps the raw tags; the report shows the regime's cells as a pool of their own.
    csv = read_table_csv(tmp_path / 'study_table.csv')
    assert {(r['pool'], r.get('regime')) for r in csv} == {('P', None), ('P', 'pretrained')}
    assert '## P, budget 2-2' in report and '## P_pretrained, budget 2-2' in report
    assert '## AUC across pools' not in report  # one pool per regime: nothing to draw
    # Guide: from scratch Entropy leads (AUC 4.6, 4.1 vs Random 4.0, 4.4); pretrained
    # Entropy leads too (7.5, 6.2 vs Random 6.0, 6.1), each contest within its regime.
    assert '| P | 2-2 | sup | Entropy | 4.35 | Random |' in report
    assert '| P_pretrained | 2-2 | sup | Entropy | 6.85 | Random |' in report
    # Side by side: pretrained - scratch per seed, Entropy 7.5 - 4.6, 6.2 - 4.1 = 2.9, 2.1.
    # Half-width 12.706 * 0.8 / 2 = 5.08 (2 seeds): not distinguishable from 0.
    side = report[report.index('## Regimes side by side'):]
    assert ('| P | 2-2 | Entropy | sup | AUC | 4.35 ± 0.25 | 6.85 ± 0.65 | '
            '+2.50 [-2.58, +7.58] | 2 |') in side
