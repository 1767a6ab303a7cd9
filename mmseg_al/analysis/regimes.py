"""Training regimes in one study: each regime's cells apart, and the regimes side by side.

A study may run some cells in another regime than its default (tag ``regime``, e.g.
``'pretrained'``; experiments without the tag are in the default one). Methods are only
compared within a regime, so the report shows a regime's cells as pools of their own
(``Pool-0f_pretrained``); :func:`regime_pairs` then sets each such cell beside its twin
in the default regime.
"""
from mmseg_al.analysis.study_table import (REGIME, by_seed, group_rows, interval_text,
                                           paired_interval)
from mmseg_al.analysis.tables import markdown_table, mean_std_text
from mmseg_al.evaluation.budget_metrics import mean_std_over_seeds

DEFAULT_REGIME = 'scratch'


def regime_pool(tags):
    """The pool label a report shows: the pool, suffixed with its regime if it has one."""
    return f'{tags["pool"]}_{tags[REGIME]}' if tags.get(REGIME) and tags.get('pool') else (
        tags.get('pool'))


def pools_by_regime(study):
    """``{regime (None: the default): [its pools' report labels]}`` in the study's order."""
    regimes = {}
    for experiment in study['experiments']:
        pools = regimes.setdefault(experiment['tags'].get(REGIME), [])
        if regime_pool(experiment['tags']) not in pools:
            pools.append(regime_pool(experiment['tags']))
    return regimes


def split_regimes(study, rows, runs):
    """``(study, rows, runs)`` with every pool relabelled by :func:`regime_pool`.

    Copies: the rows a study_table.csv holds keep their own tags.
    """
    def relabel(tags):
        return dict(tags, pool=regime_pool(tags)) if tags.get(REGIME) else tags

    experiments = [dict(e, tags=relabel(e['tags'])) for e in study['experiments']]
    by_name = {e['name']: e for e in experiments}
    return (dict(study, experiments=experiments), [relabel(row) for row in rows],
            [(by_name[e['name']], seed, results) for e, seed, results in runs])


def regime_pairs(rows, column='auc'):
    """Rows of a table of each cell run in a regime beside its default-regime twin.

    Per (pool, budget, method, ssl) with results in both: ``column`` (``final_mIoU`` for
    the budget-less 100 % rows) mean ± std over seeds in each, and the regime minus the
    default, paired by seed (a seed draws the same initial labeled set whatever the
    model) with its 95 % interval.
    """
    def value(row):
        return column if row['budget'] is not None else 'final_mIoU'

    contestants = [r for r in rows if r.get(value(r)) is not None]
    default = group_rows([r for r in contestants if not r.get(REGIME)],
                         ('pool', 'budget', 'method', 'ssl'))
    table = []
    for (regime, pool, budget, method, ssl), group in group_rows(
            [r for r in contestants if r.get(REGIME)],
            (REGIME, 'pool', 'budget', 'method', 'ssl')).items():
        twin = default.get((pool, budget, method, ssl))
        if not twin:
            continue
        measure = value(group[0])
        mean, low, high, seeds = paired_interval(group, twin, measure)
        table.append({'pool': pool, 'budget': budget or '100 %', 'method': method, 'ssl': ssl,
                      'value': 'mIoU' if measure == 'final_mIoU' else column.upper(),
                      DEFAULT_REGIME: mean_std_text(*mean_std_over_seeds(
                          by_seed(twin, measure).values())),
                      regime: mean_std_text(*mean_std_over_seeds(
                          by_seed(group, measure).values())),
                      f'{regime} − {DEFAULT_REGIME}': interval_text(mean, low, high),
                      'seeds': seeds})
    return table


def regime_section(rows):
    """The report's lines on the regimes side by side (none for a study of one regime)."""
    pairs = regime_pairs(rows)
    if not pairs:
        return []
    return ['## Regimes side by side', '',
            'Each cell run in another regime beside the same cell in the default one (from '
            'scratch): AUC at the largest report budget (the 100 % rows: mIoU), mean ± std '
            'over seeds, and the difference paired by seed [95 % t-interval], **bold** when '
            'it excludes 0. The tables above compare methods within one regime (pools '
            'suffixed with theirs).', '',
            markdown_table(list(dict.fromkeys(key for row in pairs for key in row)), pairs), '']
