"""The aggregated table of a study: one row per experiment × seed, and summaries of it.

``study_runs`` reads a study dir's results and ``study_table`` makes them rows; the
report, the strategy guide and the recommender start from these rows, or from a
``study_table.csv`` of them (the committed results of a study whose run dirs are gone).
"""
import csv
import io
import json
import os.path as osp
from collections import defaultdict

import numpy as np
from scipy import stats

from mmseg_al.analysis.tables import load_results
from mmseg_al.evaluation.budget_metrics import mean_std_over_seeds
from mmseg_al.fileio import atomic_write_text
from mmseg_al.work_dir_files import RESULTS_FILE

STUDY_FILE = 'study.json'
TABLE_FILE = 'study_table.csv'
TAG_COLUMNS = ('pool', 'budget', 'method', 'ssl')
# A tag only some experiments carry: the training regime (e.g. 'pretrained'); without it,
# the study's default regime.
REGIME = 'regime'
DIAGNOSTIC_KEYS = ('near_duplicate', 'share_sequence', 'sequences', 'largest_sequence_share')


def read_study(study_dir):
    """The study.json the runner wrote (experiments, tags, seeds)."""
    path = osp.join(study_dir, STUDY_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: is {study_dir} a study dir written by '
                                'tools/al_study.py?')
    with open(path) as f:
        return json.load(f)


def select_study(study, only):
    """The part of a study (a study.json document) whose runs ``only`` keeps.

    ``only`` maps a tag (an axis of the grid, or a tag of its explicit experiments) or
    ``seed`` to the values to keep; a run is kept if it matches every key (an experiment
    without the tag does not). A key or value the study lacks is an error that lists the
    valid ones, so a typo never selects nothing in silence.
    """
    if not only:
        return study
    valid = defaultdict(dict)  # key -> its values, as text, in the study's order
    for experiment in study['experiments']:
        for key, value in experiment['tags'].items():
            valid[key][str(value)] = None
    valid['seed'] = dict.fromkeys(map(str, study['seeds']))
    for key, values in only.items():
        if key not in valid:
            raise ValueError(f'--only: the study has no key {key!r}; its keys: '
                             f'{", ".join(sorted(valid))}.')
        unknown = [v for v in values if v not in valid[key]]
        if unknown:
            raise ValueError(f'--only {key}: no run has {", ".join(map(repr, unknown))}; '
                             f'the values of {key}: {", ".join(valid[key])}.')
    experiments = [e for e in study['experiments'] if all(
        key in e['tags'] and str(e['tags'][key]) in values
        for key, values in only.items() if key != 'seed')]
    seeds = [s for s in study['seeds'] if str(s) in only.get('seed', valid['seed'])]
    if not experiments:
        raise ValueError('--only ' + ' '.join(f'{k}={",".join(v)}' for k, v in only.items())
                         + ' matches no experiment of the study.')
    return dict(study, experiments=experiments, seeds=seeds)


def is_finished(results):
    """Whether a results.json document holds every cycle of its run. A running or
    stopped run writes its partial curve too; its AUC@B would mix into finished seeds.
    A document from before results.json recorded ``num_cycles`` counts as finished."""
    return 'num_cycles' not in results or len(results['cycles']) == results['num_cycles'] + 1


def study_runs(study_dir, study):
    """``(experiment entry, seed, results.json document)`` of each run of ``study``
    (``read_study``, maybe a ``select_study`` part of it) that has results, finished
    or not (``is_finished``)."""
    found = [(experiment, seed, osp.join(study_dir, experiment['name'], f'seed_{seed}'))
             for experiment in study['experiments'] for seed in study['seeds']]
    found = [run for run in found if osp.isfile(osp.join(run[2], RESULTS_FILE))]
    return [(experiment, seed, results) for (experiment, seed, _), results in
            zip(found, load_results([work_dir for _, _, work_dir in found]))]


def study_table(runs):
    """One row per run of ``study_runs``.

    Columns: ``experiment``, ``seed``, the tags ``pool``, ``budget``, ``method``,
    ``ssl`` (None when an experiment lacks one), ``regime`` (only in rows of experiments
    tagged with one), ``cpu`` (where its cycles trained;
    None before runs recorded it), ``cycles`` (evaluated cycles),
    ``final_mIoU``, ``B`` (the run's largest report budget, percent), ``auc`` and ``miou``
    (AUC@B and mIoU@B at that B), and ``auc@b`` / ``miou@b`` for every report budget b.
    """
    rows = []
    for experiment, seed, results in runs:
        tags = experiment['tags']
        cpus = dict.fromkeys((c.get('environment') or {}).get('cpu') for c in results['cycles'])
        row = dict(experiment=experiment['name'], seed=seed,
                   **{key: tags.get(key) for key in TAG_COLUMNS},
                   **({REGIME: tags[REGIME]} if REGIME in tags else {}),
                   cpu=' + '.join(cpu for cpu in cpus if cpu) or None,
                   cycles=len(results['cycles']),
                   final_mIoU=results['cycles'][-1]['mIoU'] if results['cycles'] else None)
        budget = max(results['auc'], key=float) if results['auc'] else None
        row.update(B=budget, auc=results['auc'].get(budget), miou=results['miou_at'].get(budget))
        row.update({f'auc@{b}': v for b, v in results['auc'].items()})
        row.update({f'miou@{b}': v for b, v in results['miou_at'].items()})
        rows.append(row)
    return rows


def table_csv(rows):
    """Rows as CSV text (columns in first-seen order; empty cells for missing values)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator='\n')
    writer.writeheader()
    writer.writerows({c: '' if row.get(c) is None else row.get(c) for c in columns}
                     for row in rows)
    return buffer.getvalue()


def write_table_csv(rows, path):
    atomic_write_text(path, table_csv(rows))
    return path


def read_table_csv(path):
    """The rows of a study_table.csv as ``study_table`` returned them (numbers parsed)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: give the study_table.csv a study '
                                'report wrote.')
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    missing = {'experiment', 'seed', *TAG_COLUMNS} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f'{path} is not a study table: no columns {sorted(missing)}.')
    # A result a run has none of (an empty cell) is no key of its row; .get reads None.
    return [{key: _parse_cell(key, value) for key, value in row.items()
             if not _is_result(key) or value != ''} for row in rows]


def _is_result(column):
    """Whether a column holds numbers: seed, cycles and results; tags, ``B``, ``cpu``
    and any other column (e.g. one a later version adds) are text."""
    return column in ('seed', 'cycles', 'final_mIoU', 'auc', 'miou') or column.startswith(
        ('auc@', 'miou@'))


def _parse_cell(key, value):
    if not _is_result(key):
        return value or None
    return int(value) if key in ('seed', 'cycles') else float(value)


def supervised_setting(experiments):
    """The ``ssl`` tag that means supervised: that of the experiments with a budget that
    train without SSL (``ssl_model`` None in study.json).

    None when they have no ``ssl`` tag (a study without an SSL axis) or when every
    experiment trains with SSL (a study of the SSL half of a grid: its rows are then
    labelled e.g. Coreset-SSL, as in the grid's report).
    """
    values = [e['tags'].get('ssl') for e in experiments
              if e['tags'].get('budget') is not None and not e.get('ssl_model')]
    return next((v for v in values if v is not None), None)


def by_seed(rows, column):
    """``{seed: value}`` of one experiment's rows (missing values dropped)."""
    return {row['seed']: row[column] for row in rows if row.get(column) is not None}


def paired_interval(rows, reference_rows, column, level=0.95):
    """``row - reference`` in ``column`` over the seeds both have, with its t-interval.

    A seed starts every method of a cell from the same labeled set, so methods are
    compared seed by seed: the mean difference ± t(level, n - 1) · s / √n (s the sample
    std). The study calls a method better only when this interval excludes 0.

    Returns:
        tuple: ``(mean, low, high, n)``; ``low`` and ``high`` are None below 2 seeds,
        all but ``n`` None without a shared seed.
    """
    mine, theirs = by_seed(rows, column), by_seed(reference_rows, column)
    diffs = np.asarray([mine[s] - theirs[s] for s in sorted(set(mine) & set(theirs))])
    if len(diffs) == 0:
        return None, None, None, 0
    mean = float(diffs.mean())
    if len(diffs) < 2:
        return mean, None, None, 1
    half = float(stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * diffs.std(ddof=1)
                 / np.sqrt(len(diffs)))
    return mean, mean - half, mean + half, len(diffs)


def distinguishable(low, high):
    """Whether a paired interval (``paired_interval``) excludes 0."""
    return low is not None and (low > 0 or high < 0)


def interval_text(mean, low, high):
    """``'+0.51 [+0.07, +0.95]'``, in bold when the interval excludes 0; ``'-'`` without."""
    if mean is None:
        return '-'
    if low is None:
        return f'{mean:+.2f} [1 seed]'
    text = f'{mean:+.2f} [{low:+.2f}, {high:+.2f}]'
    return f'**{text}**' if distinguishable(low, high) else text


def group_rows(rows, keys):
    groups = defaultdict(list)
    for row in rows:
        groups[tuple(row[k] for k in keys)].append(row)
    return dict(groups)


def strategy_guide(rows, column):
    """For each (pool, budget, ssl) cell: the leader, and the methods it does not beat.

    The leader has the highest mean of ``column`` over seeds. Each other method is
    compared with it seed by seed (``paired_interval``): it is *tied* with the leader
    when the interval of its difference includes 0 (or has fewer than 2 seeds), and
    the leader is *clear* when it is tied with no one. Rows without a budget (the
    100 % rows) are not contestants.

    Returns:
        list[dict]: ``pool``, ``budget``, ``ssl``, ``winner``, ``runner_up``, ``winner_mean``,
        ``margin`` (mean paired difference to the runner-up), ``low`` and ``high`` (its
        interval), ``tied`` (methods not distinguishable from the winner, best first),
        ``clear`` (bool), ``seeds``.
    """
    cells = []
    contestants = [r for r in rows if r['budget'] is not None and r.get(column) is not None]
    for (pool, budget, ssl), cell in group_rows(contestants, ('pool', 'budget', 'ssl')).items():
        methods = sorted(group_rows(cell, ('method',)).items(), key=lambda item: -float(
            np.mean(list(by_seed(item[1], column).values()))))
        if len(methods) < 2:
            continue
        (winner,), best = methods[0]
        versus = [(method, paired_interval(best, group, column))
                  for (method,), group in methods[1:]]
        tied = [method for method, (_, low, high, _) in versus
                if not distinguishable(low, high)]
        margin, low, high, _ = versus[0][1]
        cells.append(dict(pool=pool, budget=budget, ssl=ssl, winner=winner,
                          runner_up=versus[0][0],
                          winner_mean=float(np.mean(list(by_seed(best, column).values()))),
                          margin=margin, low=low, high=high, tied=tied, clear=not tied,
                          seeds=len(best)))
    return cells


def ssl_gains(rows, column, ssl_off):
    """What SSL adds to each method: paired over seeds, ``method-SSL - method``.

    The study's third finding compares these gains across methods (does SSL add
    more to batch-based acquisition?). A seed fixes the initial labeled set, so the
    two runs of a seed start from the same labels.

    Returns:
        list[dict]: ``pool``, ``budget``, ``method``, ``ssl``, ``gain``, ``low`` and
        ``high`` (mean and 95 % interval over shared seeds, ``paired_interval``), ``seeds``.
    """
    gains = []
    contestants = [r for r in rows if r['budget'] is not None]
    for (pool, budget, method), cell in group_rows(
            contestants, ('pool', 'budget', 'method')).items():
        by_ssl = group_rows(cell, ('ssl',))
        if (ssl_off,) not in by_ssl:
            continue
        for (ssl,), group in by_ssl.items():
            if ssl != ssl_off:
                gain, low, high, seeds = paired_interval(group, by_ssl[(ssl_off,)], column)
                gains.append(dict(pool=pool, budget=budget, method=method, ssl=ssl,
                                  gain=gain, low=low, high=high, seeds=seeds))
    return gains


def mode_collapse(runs):
    """Selection diagnostics per (pool, budget, method, ssl) and cycle, mean over the
    seeds of ``study_runs``.

    Returns:
        list[dict]: the tags, ``cycle`` (the cycle the batch entered in), ``seeds`` and
        the mean of each of ``DIAGNOSTIC_KEYS``.
    """
    values = defaultdict(lambda: defaultdict(list))
    for experiment, _, results in runs:
        key = tuple(experiment['tags'].get(k) for k in TAG_COLUMNS)
        for cycle in results['cycles']:
            diagnostics = cycle.get('selection_diagnostics')
            if diagnostics:
                for name in DIAGNOSTIC_KEYS:
                    values[key + (cycle['cycle'],)][name].append(diagnostics[name])
    rows = []
    for key, metrics in sorted(values.items(), key=lambda item: tuple(map(str, item[0]))):
        rows.append(dict(zip(TAG_COLUMNS + ('cycle',), key),
                         seeds=len(metrics[DIAGNOSTIC_KEYS[0]]),
                         **{name: float(np.mean(v)) for name, v in metrics.items()}))
    return rows
