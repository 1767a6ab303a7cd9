import math

import pytest
from hand_made_study import POOLS, study_rows, truth

from mmseg_al.recommend.recommender import Recommender, check_study_rows


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
    assert any(w.startswith('Entropy: run at one other budget only, not at 2-2')
               for w in answer['warnings'])
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


def test_bad_rows_are_refused_with_the_row():
    with pytest.raises(ValueError, match='lacks'):
        check_study_rows([dict(pool='p', budget='10-10', method='R', ssl=False, seed=0)],
                         {'p': 0})
    with pytest.raises(ValueError, match='ssl must be True or False'):
        check_study_rows([dict(study_rows()[0], ssl='False')], POOLS)
    with pytest.raises(ValueError, match='No redundancy score'):
        check_study_rows(study_rows()[:1], {})
    with pytest.raises(ValueError, match='no runs with a budget'):
        Recommender.fit([], POOLS)


def test_candidates_whose_expected_auc_is_equal_tie():
    """Coreset gains exactly what Random has (0) on every pool: neither is the answer
    alone; Entropy, 0.004 below them, reads as equal at the printed 0.01 too."""
    rows = [dict(pool=pool, budget='10-10', method=method, ssl=False, seed=seed,
                 auc=20.0 + gain + 0.1 * seed)
            for pool in ('diverse', 'redundant') for seed in (0, 1, 2)
            for method, gain in (('RandomAcquisition', 0.0), ('CoresetAcquisition', 0.0),
                                 ('EntropyAcquisition', -0.004), ('BALDAcquisition', -1.0))]
    model = Recommender.fit(rows, POOLS)
    answer = model.recommend(0.5, '10-10')
    assert sorted(answer['tied']) == ['Coreset', 'Entropy', 'Random']
    assert answer['tied'][0] == answer['best']['candidate'] != 'Entropy'
    alone = model.recommend(0.5, '10-10', candidates={'RandomAcquisition', 'BALDAcquisition'})
    assert alone['tied'] == ['Random']
