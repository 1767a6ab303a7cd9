"""A hand-made study with known answers, for the recommender and its validation.

Imported by name (pytest puts each test folder on ``sys.path``).
"""
import math

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
