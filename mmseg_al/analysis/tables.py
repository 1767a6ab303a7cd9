"""Summaries of several AL runs: one row per method, mean and spread over seeds."""
import json
import os
import os.path as osp
from collections import defaultdict

import numpy as np

from mmseg_al.evaluation.budget_metrics import budget_summary, mean_std_over_seeds
from mmseg_al.evaluation.per_class_iou import ALL_CLASSES_MIOU
from mmseg_al.work_dir_files import MOVED_ASIDE, RESULTS_FILE

# Per-cycle keys of results.json: MMSeg's mIoU (classes absent from the val set are
# skipped) and the study's (they count as 0); see PerClassIoUMetric.
METRICS = ('mIoU', ALL_CLASSES_MIOU)


def load_results(work_dirs):
    """results.json of each work dir (a missing one is a clear error).

    The one reader of results.json files: a study's runs are read through it too.
    """
    runs = []
    for work_dir in work_dirs:
        path = osp.join(work_dir, RESULTS_FILE)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} does not exist: is {work_dir} the work dir of a '
                                    'tools/al_train.py run?')
        with open(path) as f:
            runs.append(json.load(f))
    return runs


def distinct_runs(work_dirs):
    """The results of ``work_dirs`` that count as seeds, and a note on each thing left out.

    A dir that ``--restart`` moved aside (``<dir>.old-<time>``) holds a superseded
    attempt, not a result. A seed of one config given twice (a copy of a run, or two
    globs matching one dir) is one result: it counts once, from the first dir given.

    Returns:
        tuple[list[dict], list[str]]: results.json documents and one line per note.
    """
    aside = [d for d in work_dirs if MOVED_ASIDE.search(d.rstrip(os.sep))]
    kept = [d for d in work_dirs if d not in aside]
    if not kept:
        raise ValueError(f'all {len(aside)} work dirs given were moved aside by --restart '
                         '(*.old-<time>): they hold superseded attempts, not results.')
    notes = [f'left out {len(aside)} work dirs that --restart moved aside (not results): '
             + ', '.join(aside)] if aside else []
    first, runs = {}, []
    for work_dir, run in zip(kept, load_results(kept)):
        key = (run_label(run), run['seed'])
        if key in first:
            notes.append(f'seed {run["seed"]} of {key[0]} is in {first[key]} and {work_dir}: '
                         f'counted once, from {first[key]}')
            continue
        first[key] = work_dir
        runs.append(run)
    return runs, notes


def check_metric(runs, metric):
    """Raise a clear error if some run's results.json lacks ``metric`` in a cycle."""
    for run in runs:
        missing = [c['cycle'] for c in run['cycles'] if c.get(metric) is None]
        if missing:
            raise ValueError(
                f'{run_label(run)} (seed {run["seed"]}) has no {metric} in cycles {missing}: '
                'its results.json was written by an evaluator that does not report it '
                '(val_evaluator PerClassIoUMetric does) or by an older version. '
                'Use --metric mIoU.')


def run_label(run):
    """A method's label: the config name, which differs between methods, not seeds."""
    return osp.splitext(osp.basename(run['config'] or run['method']))[0]


def group_by_method(runs):
    groups = defaultdict(list)
    for run in runs:
        groups[run_label(run)].append(run)
    return dict(groups)


def mean_std_text(mean, std):
    """``'mean ± std'`` with two decimals, ``'-'`` without a value: every table's cells."""
    return '-' if mean is None else f'{mean:.2f} ± {std:.2f}'


def summary_rows(groups, metric='mIoU'):
    """Per method: seeds, ``metric`` per cycle, AUC@B and mIoU@B (mean ± std over seeds).

    AUC@B and mIoU@B are computed from each run's ``metric`` curve, at the budgets
    its results.json reports.
    """
    rows = []
    for label, runs in sorted(groups.items()):
        length = min(len(r['cycles']) for r in runs)
        row = dict(method=label, seeds=len(runs))
        for k in range(length):
            percent = np.mean([r['cycles'][k]['percent_labeled'] for r in runs])
            row[f'mIoU@{percent:.0f}%'] = mean_std_text(*mean_std_over_seeds(
                [r['cycles'][k][metric] for r in runs]))
        # One (AUC@B, mIoU@B) pair of dicts per seed.
        summaries = [budget_summary([c['percent_labeled'] for c in r['cycles']],
                                    [c[metric] for c in r['cycles']], list(r['auc']))
                     for r in runs]
        for i, name in enumerate(('AUC@{}', 'mIoU@{}')):
            for budget in summaries[0][i]:
                row[name.format(budget)] = mean_std_text(*mean_std_over_seeds(
                    [summary[i].get(budget) for summary in summaries]))
        near = [c['selection_diagnostics']['near_duplicate'] for r in runs for c in r['cycles']
                if c.get('selection_diagnostics')]
        row['near-dup picks'] = f'{np.mean(near):.0%}' if near else '-'
        rows.append(row)
    return rows


def markdown_table(columns, rows):
    """Rows of dicts as a markdown table of ``columns`` (``'-'`` for a missing value)."""
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    lines += ['| ' + ' | '.join('-' if row.get(c) is None else str(row[c]) for c in columns)
              + ' |' for row in rows]
    return '\n'.join(lines)


def format_table(rows):
    """Rows of dicts as an aligned text table (columns in first-seen order)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[str(row.get(c, '-')) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ['  '.join(c.ljust(w) for c, w in zip(columns, widths)),
             '  '.join('-' * w for w in widths)]
    lines += ['  '.join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return '\n'.join(lines)
