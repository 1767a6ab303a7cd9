"""The aggregated table of a study: one row per experiment × seed, and summaries of it.

``study_table`` is the one place that reads a study dir's results; the report, the
strategy guide and any later fit (e.g. a strategy recommender) start from its rows.
"""
import csv
import io
import json
import os.path as osp
from collections import defaultdict

import numpy as np

from mmseg_al.fileio import atomic_write_text

STUDY_FILE = 'study.json'
TABLE_FILE = 'study_table.csv'
TAG_COLUMNS = ('pool', 'budget', 'method', 'ssl')
DIAGNOSTIC_KEYS = ('near_duplicate', 'share_sequence', 'sequences', 'largest_sequence_share')
# The columns of a table row that are not numbers.
_TEXT_COLUMNS = {'experiment', 'B', 'source', 'cpu', *TAG_COLUMNS}


def read_study(study_dir):
    """The study.json the runner wrote (experiments, tags, seeds)."""
    path = osp.join(study_dir, STUDY_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: is {study_dir} a study dir written by '
                                'tools/al_study.py?')
    with open(path) as f:
        return json.load(f)


def study_runs(study_dir):
    """``(experiment entry, seed, results.json document)`` of every run that has results."""
    study = read_study(study_dir)
    for experiment in study['experiments']:
        for seed in study['seeds']:
            path = osp.join(study_dir, experiment['name'], f'seed_{seed}', 'results.json')
            if osp.isfile(path):
                with open(path) as f:
                    yield experiment, seed, json.load(f)


def study_table(study_dir):
    """One row per experiment × seed with results.

    Columns: ``experiment``, ``seed``, the tags ``pool``, ``budget``, ``method``,
    ``ssl`` (None when an experiment lacks one), ``cpu`` (where its cycles trained;
    None before runs recorded it), ``cycles`` (evaluated cycles),
    ``final_mIoU``, ``B`` (the run's largest report budget, percent), ``auc`` and ``miou``
    (AUC@B and mIoU@B at that B), and ``auc@b`` / ``miou@b`` for every report budget b.
    """
    rows = []
    for experiment, seed, results in study_runs(study_dir):
        tags = experiment['tags']
        cpus = dict.fromkeys((c.get('environment') or {}).get('cpu') for c in results['cycles'])
        row = dict(experiment=experiment['name'], seed=seed,
                   **{key: tags.get(key) for key in TAG_COLUMNS},
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
    # A budget a run has no value for is no key of its row, as in ``study_table``.
    return [{key: _parse_cell(key, value) for key, value in row.items()
             if key in _TEXT_COLUMNS or value != ''} for row in rows]


def _parse_cell(key, value):
    if key in _TEXT_COLUMNS:
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


def _same_run(row, other):
    """Whether two rows agree on every result both have."""
    return all(row[k] == other[k] for k in set(row) & set(other)
               if k.startswith(('auc', 'miou', 'final')) and None not in (row[k], other[k]))


def add_table_rows(rows, tables, experiments):
    """``rows`` plus the rows of other studies' tables, renamed to this study's experiments.

    Sub-studies run parts of a grid with the same experiment configs under other names
    (``tests/test_study`` checks the configs are the same), and their run dirs need not
    exist any more. A table row joins the experiment with its tags (pool, budget, method;
    a row without an ``ssl`` tag joins the supervised setting); rows of no experiment (a
    control outside the grid) keep their name. A run read twice keeps its first results
    (the study dir's, then the tables' in the order given). Runs repeat bit for bit on
    one machine, not across CPU types, so the second reading may differ: it is returned
    for the report to show, not hidden.

    Args:
        rows (list[dict]): this study's own rows (``study_table``).
        tables (list[str]): study_table.csv paths.
        experiments (list[dict]): this study's ``study.json`` experiments.

    Returns:
        tuple[list[dict], list[dict]]: the rows (``rows`` first, then each new run once,
        with ``source``: its table, None for the study dir) and the runs read again with
        other results (``experiment``, ``seed``, ``kept`` and ``other``: the two rows).
    """
    supervised = supervised_setting(experiments)
    by_tags = {tuple(e['tags'].get(k) for k in TAG_COLUMNS): e['name'] for e in experiments}
    merged = {(r['experiment'], r['seed']): dict(r, source=None) for r in rows}
    differing = []
    for path in tables:
        for row in read_table_csv(path):
            row = dict(row, source=path, ssl=row['ssl'] or (supervised if row['budget'] else None))
            row['experiment'] = by_tags.get(tuple(row[k] for k in TAG_COLUMNS),
                                            row['experiment'])
            kept = merged.setdefault((row['experiment'], row['seed']), row)
            if not _same_run(kept, row):
                differing.append(dict(experiment=row['experiment'], seed=row['seed'],
                                      kept=kept, other=row))
    return list(merged.values()), differing


def by_seed(rows, column):
    """``{seed: value}`` of one experiment's rows (missing values dropped)."""
    return {row['seed']: row[column] for row in rows if row.get(column) is not None}


def mean_std(values):
    values = np.asarray(list(values), dtype=np.float64)
    if len(values) == 0:
        return None, None
    return float(values.mean()), float(values.std())


def paired_difference(rows, reference_rows, column):
    """Mean ± std over the seeds both have of ``row - reference`` in ``column``."""
    mine, theirs = by_seed(rows, column), by_seed(reference_rows, column)
    seeds = sorted(set(mine) & set(theirs))
    return mean_std(mine[s] - theirs[s] for s in seeds) + (len(seeds),)


def group_rows(rows, keys):
    groups = defaultdict(list)
    for row in rows:
        groups[tuple(row[k] for k in keys)].append(row)
    return dict(groups)


def strategy_guide(rows, column):
    """For each (pool, budget, ssl) cell: the winner, its margin, whether it is clear.

    The winner has the highest mean of ``column`` over seeds; the margin is its mean
    minus the runner-up's; it *exceeds the seed spread* when larger than both methods'
    standard deviations over seeds. Rows without a budget (the 100 % rows) are not
    contestants.

    Returns:
        list[dict]: ``pool``, ``budget``, ``ssl``, ``winner``, ``runner_up``, ``winner_mean``,
        ``margin``, ``spread`` (the larger std), ``clear`` (bool), ``seeds``.
    """
    cells = []
    contestants = [r for r in rows if r['budget'] is not None and r.get(column) is not None]
    for (pool, budget, ssl), cell in group_rows(contestants, ('pool', 'budget', 'ssl')).items():
        methods = sorted(((mean_std(by_seed(m, column).values()), method, len(m))
                          for (method,), m in group_rows(cell, ('method',)).items()),
                         key=lambda item: -item[0][0])
        if len(methods) < 2:
            continue
        (best, best_std), winner, seeds = methods[0]
        (second, second_std), runner_up, _ = methods[1]
        spread = max(best_std, second_std)
        cells.append(dict(pool=pool, budget=budget, ssl=ssl, winner=winner,
                          runner_up=runner_up, winner_mean=best, margin=best - second,
                          spread=spread, clear=bool(best - second > spread), seeds=seeds))
    return cells


def ssl_gains(rows, column, ssl_off):
    """What SSL adds to each method: paired over seeds, ``method-SSL - method``.

    The study's third finding compares these gains across methods (does SSL add
    more to batch-based acquisition?). A seed fixes the initial labeled set, so the
    two runs of a seed start from the same labels.

    Returns:
        list[dict]: ``pool``, ``budget``, ``method``, ``ssl``, ``gain`` and ``std``
        (mean and std over shared seeds, None without one), ``seeds``.
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
                gain, std, seeds = paired_difference(group, by_ssl[(ssl_off,)], column)
                gains.append(dict(pool=pool, budget=budget, method=method, ssl=ssl,
                                  gain=gain, std=std, seeds=seeds))
    return gains


def mode_collapse(study_dir):
    """Selection diagnostics per (pool, budget, method, ssl) and cycle, mean over seeds.

    Returns:
        list[dict]: the tags, ``cycle`` (the cycle the batch entered in), ``seeds`` and
        the mean of each of ``DIAGNOSTIC_KEYS``.
    """
    values = defaultdict(lambda: defaultdict(list))
    for experiment, _, results in study_runs(study_dir):
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
