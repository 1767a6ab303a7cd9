import json
import math
import os
import os.path as osp

import pytest

from mmseg_al.analysis.recommend import (Recommender, candidate_name, check_study_rows,
                                         fit_study, leave_one_pool_out, load_study,
                                         normal_budget, read_study_table, write_study_table)

POOLS = {'diverse': 0.1, 'mixed': 0.4, 'redundant': 0.7, 'very_redundant': 0.9}
BUDGETS = {'2-2': 2, '10-10': 10}


def truth(method, ssl, redundancy, initial):
    """The hand-made study's expected AUC@B: Random wins on diverse pools, Coreset on
    redundant ones (crossing at redundancy 0.5), SSL adds 0.5 to Coreset at budget 10
    and costs 0.5 at budget 2; every AUC grows with log(I)."""
    base = {'RandomAcquisition': 20 - 4 * redundancy,
            'CoresetAcquisition': 16 + 4 * redundancy,
            'EntropyAcquisition': 17.0}[method]
    if ssl:
        base += 0.5 if initial == 10 else -0.5
    return base + math.log(initial)


def study_rows(noise=0.05, seeds=(0, 1, 2)):
    """One row per pool x budget x candidate x seed; seed noise -n, 0, +n (mean 0)."""
    rows = []
    for pool, redundancy in POOLS.items():
        for budget, initial in BUDGETS.items():
            for method, ssl in (('RandomAcquisition', False), ('CoresetAcquisition', False),
                                ('EntropyAcquisition', False), ('CoresetAcquisition', True)):
                for seed in seeds:
                    rows.append(dict(pool=pool, budget=budget, method=method, ssl=ssl, seed=seed,
                                     auc=truth(method, ssl, redundancy, initial)
                                     + noise * (seed - 1)))
    return rows


def test_fit_recovers_the_hand_made_study():
    model = Recommender.fit(study_rows(), POOLS)
    assert model.reference == 'Random'
    assert model.fits['Random'].coef == pytest.approx([20, -4, 1], abs=1e-6)
    coreset = model.fits['Coreset']
    assert coreset.terms == ['redundancy', 'log_initial'] and coreset.reference == 'Random'
    # Its gain over Random: 16 + 4r - (20 - 4r); log(I) cancels.
    assert coreset.coef == pytest.approx([-4, 8, 0], abs=1e-6)
    # Noise -0.05/0/+0.05 per seed: residual std = sqrt(2 * 0.05^2 * 8 / (24 - 3)).
    assert coreset.residual_std == pytest.approx(math.sqrt(0.04 / 21), rel=1e-6)
    assert model.recommend(0.1, '10-10')['best']['method'] == 'RandomAcquisition'
    assert model.recommend(0.9, '10-10')['best']['candidate'] == 'Coreset'
    # SSL as an option: it pays for Coreset at budget 10, not at budget 2.
    assert model.recommend(0.9, '10-10', ssl=(False, True))['best']['candidate'] == 'Coreset-SSL'
    assert model.recommend(0.9, '2-2', ssl=(False, True))['best']['candidate'] == 'Coreset'
    answer = model.recommend(0.8, '10-10')
    coreset_prediction = next(p for p in answer['predictions'] if p['candidate'] == 'Coreset')
    assert coreset_prediction['auc'] == pytest.approx(truth('CoresetAcquisition', False, 0.8, 10))
    assert 0 < coreset_prediction['std'] < 0.05
    assert answer['margin_sd'] > 3
    assert answer['rests_on']['pools'] == POOLS and answer['rests_on']['rows'] == 72


def test_warnings_for_extrapolation_and_an_unstudied_budget():
    model = Recommender.fit([r for r in study_rows() if r['budget'] == '10-10'], POOLS)
    assert 'log_initial' not in model.fits['Random'].terms
    warnings = model.recommend(0.99, '5-5')['warnings']
    assert any('outside the study pools' in w for w in warnings)
    assert any('no runs at budget 5-5' in w and 'does not change' in w for w in warnings)
    assert model.recommend(0.5, '10.0-10')['warnings'] == []


def test_a_candidate_run_at_another_budget_only_is_not_compared_at_this_one():
    """Entropy ran at 10-10 only, where AUC@B is larger than any 2-2 AUC@B: asked at 2-2
    it must not win for its budget's scale; asked at 10-10 it competes."""
    rows = [r for r in study_rows() if r['method'] != 'EntropyAcquisition' or
            r['budget'] == '10-10']
    model = Recommender.fit(rows, POOLS)
    # At 0.4 Entropy's 10-10 AUC (17 + log 10 = 19.30) beats Random's 2-2 AUC (19.09).
    answer = model.recommend(0.4, '2-2')
    assert [p['candidate'] for p in answer['predictions']] == ['Random', 'Coreset']
    assert answer['best']['auc'] == pytest.approx(truth('RandomAcquisition', False, 0.4, 2))
    assert any(w.startswith('Entropy: no runs at budget 2-2') for w in answer['warnings'])
    assert answer['rests_on']['rows'] == 48
    at_10 = model.recommend(0.5, '10-10')
    assert 'Entropy' in {p['candidate'] for p in at_10['predictions']}
    assert at_10['warnings'] == []
    # A budget no candidate ran at keeps every candidate (and says so).
    only_10 = Recommender.fit([r for r in rows if r['budget'] == '10-10'], POOLS)
    assert len(only_10.recommend(0.5, '5-5')['predictions']) == 3


def test_pools_each_at_one_budget_keep_the_budget_term_only():
    """Coreset-SSL ran on the diverse pool at 2-2 and the redundant one at 10-10 only:
    redundancy and budget are confounded, and the fit keeps the per-budget means."""
    rows = [r for r in study_rows() if not r['ssl'] or (r['pool'], r['budget']) in (
        ('diverse', '2-2'), ('redundant', '10-10'))]
    fit = Recommender.fit(rows, POOLS).fits['Coreset-SSL']
    assert fit.terms == ['log_initial']
    for pool, budget, initial in (('diverse', '2-2', 2), ('redundant', '10-10', 10)):
        gain, std = fit.predict(0.5, budget)
        assert gain == pytest.approx(truth('CoresetAcquisition', True, POOLS[pool], initial)
                                     - truth('RandomAcquisition', False, POOLS[pool], initial))
        assert std < 0.05


def test_pools_of_unequal_difficulty_rank_candidates_by_their_gain():
    """Pool levels that redundancy does not explain (20, 27, 26 at 0, 0.5, 1), Entropy
    0.3 above Random everywhere, Coreset 0.2 below it on the two pools it ran on. A line
    per candidate through the pool levels would put Coreset first at 0.5 (26.8 against
    Random's 24.3); its gain says it is last."""
    pools = {'a': 0.0, 'b': 0.5, 'c': 1.0}
    levels = {'a': 20.0, 'b': 27.0, 'c': 26.0}
    rows = []
    for pool in pools:
        for method, gain in (('RandomAcquisition', 0.0), ('EntropyAcquisition', 0.3),
                             ('CoresetAcquisition', -0.2)):
            if method == 'CoresetAcquisition' and pool == 'a':
                continue
            rows += [dict(pool=pool, budget='10-10', method=method, ssl=False, seed=seed,
                          auc=levels[pool] + gain + 0.05 * (seed - 1)) for seed in (0, 1, 2)]
    answer = Recommender.fit(rows, pools).recommend(0.5, '10-10')
    assert [p['candidate'] for p in answer['predictions']] == ['Entropy', 'Random', 'Coreset']
    gains = {p['candidate']: p['gain'] for p in answer['predictions']}
    assert gains == pytest.approx({'Entropy': 0.3, 'Random': 0.0, 'Coreset': -0.2})
    # Random's least-squares line through the levels: 21.33 + 6 r.
    assert answer['best']['auc'] == pytest.approx(21 + 1 / 3 + 3 + 0.3)
    assert answer['margin_sd'] > 3 and answer['reference'] == 'Random'


def test_a_candidate_is_not_extrapolated_beyond_its_own_pools():
    """Entropy-SSL ran on two close redundant pools only, its gain falling 0.5 between
    them (slope -10); extended to the diverse pool that line would give it +9 there.
    It is held at its nearest pool's gain (0), below Coreset's +0.3, which ran everywhere."""
    pools = {'diverse': 0.0, 'redundant': 0.9, 'very_redundant': 0.95}
    gains = {('RandomAcquisition', False): {p: 0.0 for p in pools},
             ('CoresetAcquisition', False): {p: 0.3 for p in pools},
             ('EntropyAcquisition', True): {'redundant': 0.0, 'very_redundant': -0.5}}
    rows = [dict(pool=pool, budget='10-10', method=method, ssl=ssl, seed=seed,
                 auc=25.0 + gain + 0.05 * (seed - 1))
            for (method, ssl), by_pool in gains.items() for pool, gain in by_pool.items()
            for seed in (0, 1, 2)]
    model = Recommender.fit(rows, pools)
    assert model.fits['Entropy-SSL'].coef == pytest.approx([9, -10])
    answer = model.recommend(0.0, '10-10', ssl=(False, True))
    predicted = {p['candidate']: p['gain'] for p in answer['predictions']}
    assert predicted == pytest.approx({'Coreset': 0.3, 'Random': 0.0, 'Entropy-SSL': 0.0})
    assert answer['best']['candidate'] == 'Coreset'
    assert any(w.startswith('Entropy-SSL: never run on a pool of redundancy near 0.000')
               for w in answer['warnings'])
    # Within its pools the fitted line holds.
    assert model.fits['Entropy-SSL'].predict(0.925, '10-10')[0] == pytest.approx(-0.25)


def test_without_random_the_most_run_candidate_is_the_reference():
    rows = [r for r in study_rows() if r['method'] != 'RandomAcquisition']
    rows += [dict(pool='elsewhere', budget='10-10', method='BALDAcquisition', ssl=False,
                  seed=0, auc=30.0)]
    model = Recommender.fit(rows, dict(POOLS, elsewhere=0.5))
    assert model.reference == 'Coreset'  # 8 cells; Coreset-SSL and Entropy too, by name
    answer = model.recommend(0.9, '10-10')
    assert answer['best']['candidate'] == 'Coreset'
    assert 'BALD' not in {p['candidate'] for p in answer['predictions']}
    assert any(w.startswith('BALD: never run in a pool and budget where Coreset ran')
               for w in answer['warnings'])


def test_ssl_as_an_option_warns_when_the_study_has_no_ssl_runs():
    supervised = Recommender.fit([r for r in study_rows() if not r['ssl']], POOLS)
    answer = supervised.recommend(0.5, '10-10', ssl=(False, True))
    assert answer['best']['ssl'] is False
    assert any('no SSL runs' in w for w in answer['warnings'])
    with_ssl = Recommender.fit(study_rows(), POOLS)
    assert with_ssl.recommend(0.5, '10-10', ssl=(False, True))['warnings'] == []


def test_a_single_run_per_candidate_has_no_uncertainty():
    rows = [dict(pool='p', budget='10-10', method=m, ssl=False, seed=0, auc=a)
            for m, a in (('RandomAcquisition', 17.0), ('CoresetAcquisition', 18.0))]
    answer = Recommender.fit(rows, {'p': 0.5}).recommend(0.5, '10-10')
    assert answer['best']['candidate'] == 'Coreset' and answer['best']['std'] is None
    assert answer['margin_sd'] is None and any('too few runs' in w for w in answer['warnings'])


def test_leave_one_pool_out_on_the_hand_made_study():
    table = leave_one_pool_out(study_rows(), POOLS)
    by_pool = {(r['pool'], r['budget']): r for r in table}
    assert len(table) == 8 and all(r['hit'] for r in table)
    diverse = by_pool[('diverse', '10-10')]
    assert diverse['recommended'] == diverse['actual_best'] == 'Random' and diverse['lost'] == 0
    # Always-Coreset loses 20 - 0.4 - (16 + 0.4) = 3.2 on the diverse pool.
    assert diverse['lost_Coreset'] == pytest.approx(3.2)
    redundant = by_pool[('very_redundant', '2-2')]
    assert redundant['recommended'] == 'Coreset'
    assert redundant['lost_Random'] == pytest.approx(8 * 0.9 - 4)
    with_ssl = leave_one_pool_out(study_rows(), POOLS, ssl=(False, True))
    assert {(r['pool'], r['budget']): r['actual_best'] for r in with_ssl}[
        ('very_redundant', '10-10')] == 'Coreset-SSL'


def test_a_wrong_recommendation_shows_its_cost():
    """Entropy wins only on the held-out middle pool: the fit cannot know it."""
    rows = study_rows(noise=0)
    for row in rows:
        if row['pool'] == 'mixed' and row['method'] == 'EntropyAcquisition':
            row['auc'] += 3
    mixed = [r for r in leave_one_pool_out(rows, POOLS)
             if r['pool'] == 'mixed' and r['budget'] == '10-10'][0]
    assert mixed['actual_best'] == 'Entropy' and not mixed['hit']
    assert mixed['lost'] == pytest.approx(20.0 - (20 - 1.6))


def test_bad_tables_are_refused_with_the_row(tmp_path):
    with pytest.raises(ValueError, match='lacks'):
        check_study_rows([dict(pool='p', budget='10-10', method='R', ssl=0, seed=0)], {'p': 0})
    with pytest.raises(ValueError, match='No redundancy score'):
        check_study_rows(study_rows()[:1], {})
    with pytest.raises(ValueError, match="'I-S'"):
        normal_budget('10%')
    path = tmp_path / 'bad.csv'
    path.write_text('pool,method\np,R\n')
    with pytest.raises(ValueError, match='lacks the columns'):
        read_study_table(str(path))
    with pytest.raises(FileNotFoundError, match='No study results'):
        fit_study(str(tmp_path / 'nothing'))


def test_table_csv_round_trip(tmp_path):
    path = str(tmp_path / 'study.csv')
    write_study_table(path, study_rows(), POOLS)
    model = fit_study(path)
    assert model.redundancy == POOLS
    assert model.recommend(0.9, '10-10')['best']['candidate'] == 'Coreset'
    assert candidate_name('EquALAcquisition', True) == 'EquAL-SSL'


def _experiment_config(study, name, method, ann_file, data_root):
    """``<study>/<name>/<name>.py`` as the study runner writes it (the parts read here)."""
    experiment = study / name
    experiment.mkdir(parents=True)
    (experiment / f'{name}.py').write_text(
        f"active_learning = dict(acquisition=dict(type={method!r}))\n"
        f"train_dataloader = dict(dataset=dict(type='DigitScenesDataset', "
        f"data_root={data_root!r}, ann_file={ann_file!r}, "
        "data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))\n")
    return experiment


def _scorer(calls):
    def scorer(dataset_cfg):
        calls.append(dataset_cfg['ann_file'])
        return 0.25 if dataset_cfg['ann_file'] == 'train.txt' else 0.75
    return scorer


def _runner_study(study, data_root):
    """2 pools x 2 methods x seeds 0, 1 at 5-5, each run's results.json below its
    experiment (its recorded config moved away since)."""
    for pool, ann_file in (('train', 'train.txt'), ('val', 'val.txt')):
        for method in ('RandomAcquisition', 'CoresetAcquisition'):
            experiment = _experiment_config(study, f'{method}_{pool}', method, ann_file,
                                            data_root)
            for seed in (0, 1):
                os.makedirs(experiment / f'seed_{seed}')
                (experiment / f'seed_{seed}' / 'results.json').write_text(json.dumps(dict(
                    config='gone.py', method=method, ssl=None, seed=seed,
                    cycles=[dict(percent_labeled=5.0, mIoU=10), dict(percent_labeled=10.0,
                                                                     mIoU=20)],
                    auc={'10': 0.75 + seed, '30': None}, miou_at={'10': 20.0, '30': None})))


def test_load_study_reads_the_study_runner_layout(tmp_path, tiny_scenes):
    """<study>/<experiment>/<experiment>.py + seed_<s>/results.json; pools scored once."""
    study, calls = tmp_path / 'study', []
    _runner_study(study, tiny_scenes)
    rows, redundancy = load_study(str(study), score_pool=_scorer(calls))
    assert redundancy == {'train': 0.25, 'val': 0.75}
    assert sorted(calls) == ['train.txt', 'val.txt']
    assert len(rows) == 8 and {r['budget'] for r in rows} == {'5-5'}
    assert {r['auc_budget'] for r in rows} == {'10'} and not any(r['ssl'] for r in rows)
    assert osp.isfile(study / 'pool_redundancy.json')
    load_study(str(study), score_pool=_scorer(calls))
    assert len(calls) == 2  # cached by pool file and content


def test_load_study_counts_the_runs_its_report_joined_from_other_tables(tmp_path,
                                                                       tiny_scenes):
    """A report with --tables writes study_table.csv with runs whose dirs are elsewhere:
    those with an experiment config in the study count once, at their budget's largest
    common AUC@B; the 100 % rows and controls without a config do not."""
    from mmseg_al.analysis.study_table import write_table_csv
    study = tmp_path / 'study'
    _runner_study(study, tiny_scenes)
    _experiment_config(study, 'Entropy_train_10-10', 'EntropyAcquisition', 'train.txt',
                       tiny_scenes)
    other = 'docs/study/other/study_table.csv'
    joined = dict(experiment='Entropy_train_10-10', pool='P', budget='10-10', method='Entropy',
                  ssl='sup', source=other)
    write_table_csv([
        # a run that also has its results.json here: read once, from the results
        dict(experiment='RandomAcquisition_train', seed=0, pool='P', budget='5-5',
             method='Random', ssl='sup', **{'auc@10': 99.0}),
        dict(joined, seed=0, **{'auc@30': 5.0, 'auc@50': 9.0, 'miou@50': 60.0}),
        dict(joined, seed=1, **{'auc@30': 5.5, 'auc@50': 9.5, 'miou@50': 61.0}),
        dict(experiment='full_train', seed=0, pool='P', method='100%', **{'miou@100': 70.0}),
        dict(experiment='Random-MCD_train', seed=0, pool='P', budget='10-10',
             method='Random-MCD', **{'auc@50': 8.0}),
    ], str(study / 'study_table.csv'))
    rows, _ = load_study(str(study), score_pool=_scorer([]))
    assert len(rows) == 10
    assert [r['auc'] for r in rows if r['method'] == 'RandomAcquisition' and r['seed'] == 0
            and r['pool'] == 'train'] == [0.75]
    entropy = [r for r in rows if r['method'] == 'EntropyAcquisition']
    assert [(r['budget'], r['auc_budget'], r['auc'], r['miou'], r['ssl']) for r in entropy] == [
        ('10-10', '50', 9.0, 60.0, False), ('10-10', '50', 9.5, 61.0, False)]
    assert entropy[0]['run'] == osp.join('other', 'Entropy_train_10-10', 'seed_0')
    assert {r['auc_budget'] for r in rows if r['budget'] == '5-5'} == {'10'}
