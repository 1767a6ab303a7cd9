"""Leave one pool out: is the recommender right on a pool it was not fitted on?"""
from collections import defaultdict

import numpy as np

from mmseg_al.recommend.fit import candidate_name
from mmseg_al.recommend.recommender import Recommender, check_study_rows

# Always-<method> policies the validation compares with: one per family of the study
# (random, single-sample, batch-based).
BASELINES = ('RandomAcquisition', 'EntropyAcquisition', 'CoresetAcquisition')


def actual_means(rows):
    """(pool, budget) -> candidate -> mean AUC@B over seeds."""
    sums = defaultdict(lambda: defaultdict(list))
    for row in rows:
        sums[(row['pool'], row['budget'])][candidate_name(row['method'], row['ssl'])].append(
            row['auc'])
    return {key: {name: float(np.mean(v)) for name, v in values.items()}
            for key, values in sums.items()}


def leave_one_pool_out(rows, redundancy, ssl=(False, ), baselines=BASELINES):
    """Validate the recommender: fit without a pool, recommend for it, compare.

    Args:
        rows (list[dict]): the study rows (see :func:`check_study_rows`).
        redundancy (dict[str, float]): pool -> score.
        ssl (Sequence[bool]): which training may be used (see
            :meth:`Recommender.recommend`).
        baselines (Sequence[str]): always-<method> policies to compare against.

    Returns:
        list[dict]: per held-out (pool, budget): ``redundancy``, ``recommended``,
        ``actual_best``, ``lost`` (AUC@B of the best minus that of the recommended,
        >= 0), ``lost_<baseline>`` for each baseline (None where it did not run), and
        ``hit`` (recommended == actual best).
    """
    rows = check_study_rows(rows, redundancy)
    pools = sorted({r['pool'] for r in rows}, key=lambda p: (redundancy[p], p))
    if len(pools) < 2:
        raise ValueError('Leave-one-pool-out needs a study of at least two pools.')
    means = actual_means(rows)
    # Always-<method> trains supervised unless only SSL training is allowed.
    baseline_ssl = False not in tuple(ssl)
    table = []
    for pool in pools:
        model = Recommender.fit([r for r in rows if r['pool'] != pool], redundancy)
        for (held, budget), actual in sorted(means.items()):
            if held != pool:
                continue
            allowed = {n: a for n, a in actual.items()
                       if n in model.fits and model.fits[n].ssl in tuple(ssl)}
            if not allowed:
                continue
            answer = model.recommend(redundancy[pool], budget, ssl=ssl,
                                     candidates={model.fits[n].method for n in allowed})
            ranked = [p['candidate'] for p in answer['predictions'] if p['candidate'] in allowed]
            recommended = ranked[0]
            best = max(sorted(allowed), key=allowed.get)
            row = dict(pool=pool, budget=budget, redundancy=redundancy[pool],
                       recommended=recommended, actual_best=best,
                       lost=allowed[best] - allowed[recommended], hit=recommended == best)
            for method in baselines:
                name = candidate_name(method, baseline_ssl)
                row[f'lost_{name}'] = allowed[best] - allowed[name] if name in allowed else None
            table.append(row)
    return table
