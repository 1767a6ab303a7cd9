"""report.md of a study: the paper's tables, curves, mode collapse, t-SNE and the guide.

Everything is computed from the study dir (``study.json`` and each run's files), or
from a study_table.csv when the run dirs are gone, so the report can be rebuilt at
any time: while a study is still running, or from the committed table of one.
"""
import os
import os.path as osp
import re
from collections import defaultdict

from mmseg_al.analysis.curves import plot_curves, plot_panels
from mmseg_al.analysis.regimes import pools_by_regime, regime_section, split_regimes
from mmseg_al.analysis.study_table import (by_seed, group_rows, interval_text, is_finished,
                                           mode_collapse, paired_interval, read_study,
                                           read_table_csv, select_study, ssl_gains,
                                           strategy_guide, study_runs, study_table,
                                           supervised_setting, TABLE_FILE, write_table_csv)
from mmseg_al.analysis.tables import markdown_table, mean_std_text
from mmseg_al.analysis.tsne import acquisition_points, plot_tsne
from mmseg_al.evaluation.budget_metrics import mean_std_over_seeds
from mmseg_al.fileio import atomic_write_text
from mmseg_al.work_dir_files import SELECTION_FILE, cycle_dir

REPORT_FILE = 'report.md'
REFERENCES = ('Random', )
TSNE_METHODS = ('Entropy', 'Coreset')
# How a report states what it counted (the first line under its title).
_COUNTED = re.compile(r'^(\d+) (?:of \d+ )?runs with results', re.MULTILINE)


def _order(values):
    return list(dict.fromkeys(v for v in values if v is not None))


def _label(method, ssl, ssl_off):
    return method if ssl in (None, ssl_off) else f'{method}-{ssl}'


def paper_table(rows, full_rows, ssl_off, references=REFERENCES):
    """The paper's layout for one pool and budget as markdown.

    One row per method × SSL, supervised first (``ssl_off``: the ``ssl`` tag that means
    supervised, see ``supervised_setting``): AUC@B and mIoU@B (mean ± std over seeds)
    for each report budget, the best mean per column in bold, and the paired difference
    of AUC at the largest budget to each reference method with the same SSL setting
    (mean and 95 % interval over shared seeds, ``paired_interval``; bold when it
    excludes 0); then the fully supervised rows (``full_rows``: budget-less experiments
    of the pool).
    """
    # Budgets some run has a value for (a table read back from CSV has no empty ones).
    budgets = sorted({k.split('@')[1] for r in rows for k, v in r.items()
                      if k.startswith('auc@') and v is not None}, key=float)
    columns = [f'{kind}@{b}' for b in budgets for kind in ('auc', 'miou')]
    last = f'auc@{budgets[-1]}' if budgets else None
    groups = group_rows(rows, ('method', 'ssl'))
    ssl_values = _order(r['ssl'] for r in rows)
    stats = {key: {c: mean_std_over_seeds(by_seed(g, c).values()) for c in columns}
             for key, g in groups.items()}
    best = {c: max((s[c][0] for s in stats.values() if s[c][0] is not None), default=None)
            for c in columns}
    table = []
    for (method, ssl), group in sorted(groups.items(), key=lambda item: (
            item[0][1] not in (None, ssl_off), _index(ssl_values, item[0][1]), item[0][0])):
        row = {'method': _label(method, ssl, ssl_off), 'seeds': len(group)}
        for c in columns:
            mean, std = stats[(method, ssl)][c]
            text = mean_std_text(mean, std)
            row[c.replace('auc', 'AUC').replace('miou', 'mIoU')] = (
                f'**{text}**' if mean is not None and mean == best[c] else text)
        for reference in references if last else ():
            if groups.get((reference, ssl)) and method != reference:
                mean, low, high, _ = paired_interval(group, groups[(reference, ssl)], last)
                row[f'Δ AUC@{budgets[-1]} vs {reference}'] = interval_text(mean, low, high)
        table.append(row)
    for (method,), group in group_rows(full_rows, ('method',)).items():
        row = {'method': method, 'seeds': len(group)}
        row['mIoU@100'] = mean_std_text(*mean_std_over_seeds(r['final_mIoU'] for r in group))
        table.append(row)
    header = ['method', 'seeds'] + [c.replace('auc', 'AUC').replace('miou', 'mIoU')
                                    for c in columns]
    if last:
        header += [f'Δ AUC@{budgets[-1]} vs {reference}' for reference in references
                   if any(method == reference for method, _ in groups)]
    if full_rows:
        header.append('mIoU@100')
    return markdown_table(header, table)


def _pool_plot(rows, out_dir, pools, methods, budget, ssl_off, regime=None):
    """AUC@B per pool, a line per method, a panel per SSL setting: how the ranking of
    the methods moves with the pool's redundancy. Drawn from the rows alone, for the
    pools of one regime (``pools``: their report labels, see ``regime_pool``)."""
    rows = [r for r in rows if r['budget'] == budget and r.get('auc') is not None
            and r['pool'] in pools]
    pools = [p for p in pools if any(r['pool'] == p for r in rows)]
    if len(pools) < 2:
        return None
    suffix = f'_{regime}' if regime else ''
    panels = {}
    for ssl in sorted(dict.fromkeys(r['ssl'] for r in rows),
                      key=lambda ssl: ssl not in (None, ssl_off)):
        groups = group_rows([r for r in rows if r['ssl'] == ssl], ('method', 'pool'))
        points = {method: [(x, *mean_std_over_seeds(by_seed(groups[(method, pool)],
                                                             'auc').values()))
                           for x, pool in enumerate(pools) if (method, pool) in groups]
                  for method in methods}
        setting = 'supervised' if ssl in (None, ssl_off) else ssl
        panels[f'budget {budget}, {setting}{", " + regime if regime else ""}'] = [
            (_label(method, ssl, ssl_off), *zip(*points[method]), colour)
            for colour, method in enumerate(methods) if points[method]]
    name = f'auc_by_pool_{budget}{suffix}.png'
    plot_panels(panels, osp.join(out_dir, name), 'pool',
                f'AUC@{rows[0]["B"]} (mean ± std over seeds)',
                xticks=[p[:len(p) - len(suffix)] for p in pools])
    return name


def _curve_plots(runs, out_dir, pools, budgets, ssl_off):
    groups = defaultdict(lambda: defaultdict(list))
    for experiment, _, results in runs:
        tags = experiment['tags']
        if tags.get('budget') is not None and results['cycles']:
            groups[(tags.get('pool'), tags['budget'])][
                _label(tags.get('method'), tags.get('ssl'), ssl_off)].append(results)
    paths = {}
    for pool in pools:
        for budget in budgets:
            if (pool, budget) in groups:
                name = f'curves_{pool}_{budget}.png'
                plot_curves(dict(groups[(pool, budget)]), osp.join(out_dir, name),
                            title=f'{pool}, budget {budget} (mean ± std over seeds)')
                paths[(pool, budget)] = name
    return paths


def _collapse_plot(collapse, out_dir, pools, budget, ssl_off):
    rows = [r for r in collapse if r['budget'] == budget]
    if not rows:
        return None
    panels = {}
    for pool in pools:
        groups = sorted(group_rows([r for r in rows if r['pool'] == pool],
                                   ('method', 'ssl')).items(),
                        key=lambda item: tuple(map(str, item[0])))
        panels[f'{pool}, budget {budget}'] = [
            (_label(method, ssl, ssl_off), [r['cycle'] for r in group],
             [100 * r['near_duplicate'] for r in group], None, colour)
            for colour, ((method, ssl), group) in enumerate(
                (key, sorted(group, key=lambda r: r['cycle'])) for key, group in groups)]
    name = f'mode_collapse_{budget}.png'
    plot_panels(panels, osp.join(out_dir, name), 'cycle the batch entered',
                'near-duplicate picks (%)')
    return name


def _tsne_plots(study_dir, study, out_dir, pools, budgets, ssl_off):
    methods = study.get('report', {}).get('tsne_methods', TSNE_METHODS)
    seed = study['seeds'][0]
    paths = {}
    for pool in pools:
        panels = {}
        for method in methods:
            candidates = [e for e in study['experiments'] if e['tags'].get('pool') == pool
                          and e['tags'].get('method') == method
                          and e['tags'].get('budget') == (budgets[0] if budgets else None)]
            if not candidates:
                continue
            # The supervised run; an SSL-only study shows its SSL run.
            experiment = min(candidates,
                             key=lambda e: e['tags'].get('ssl') not in (None, ssl_off))
            run_dir = osp.join(study_dir, experiment['name'], f'seed_{seed}')
            cycles = sorted(int(d.split('_')[1]) for d in os.listdir(run_dir)
                            if d.startswith('cycle_') and osp.isfile(
                                osp.join(run_dir, d, SELECTION_FILE))) if osp.isdir(
                                    run_dir) else []
            if cycles:
                panels[_label(method, experiment['tags'].get('ssl'), ssl_off)] = [
                    (f'acquisition {k + 1}',
                     acquisition_points(cycle_dir(run_dir, k)))
                    for k in dict.fromkeys((cycles[0], cycles[-1]))]
        if panels and any(p is not None for v in panels.values() for _, p in v):
            name = f'tsne_{pool}.png'
            plot_tsne(panels, osp.join(out_dir, name),
                      title=f'{pool}: pooled features at the first and last acquisition '
                      f'(seed {seed})')
            paths[pool] = name
    return paths


def _index(order, value):
    """Position of ``value`` in the study's ``order``; values outside it go last."""
    return order.index(value) if value in order else len(order)


def _cell_order(pools, budgets, ssl_off):
    """Sort key of (pool, budget, ssl) cells: the study's order, supervised first."""
    def key(cell):
        pool, budget, ssl = cell
        return _index(pools, pool), _index(budgets, budget), ssl != ssl_off, str(ssl)
    return key


def _cell_coverage(rows, study, ssl_off):
    """Per (pool, budget, ssl) cell: the study's experiments with results, and those without.

    An experiment run for only some of the study's seeds is listed with results, its seed
    count beside it.
    """
    seeds = defaultdict(set)
    for row in rows:
        seeds[row['experiment']].add(row['seed'])
    cells = defaultdict(lambda: ([], []))
    for experiment in study['experiments']:
        tags = experiment['tags']
        have = len(seeds[experiment['name']] & set(study['seeds']))
        ran, missing = cells[(tags.get('pool'), tags.get('budget'), tags.get('ssl') or ssl_off)]
        label = tags.get('method', experiment['name'])
        if have:
            ran.append(label if have == len(study['seeds']) else
                       f'{label} ({have} seed{"s" * (have > 1)})')
        else:
            missing.append(label)
    return cells


def _coverage(cells, cell_order):
    """Which experiments of the study have results: one line per (pool, budget, SSL)."""
    return markdown_table(['pool', 'budget', 'ssl', 'with results', 'not run'],
                     [dict(pool=pool, budget=budget, ssl=ssl, **{
                         'with results': ', '.join(ran) or None,
                         'not run': ', '.join(missing) or None})
                      for (pool, budget, ssl), (ran, missing) in sorted(
                          cells.items(), key=lambda item: cell_order(item[0]))])


def _refuse_emptier(path, counted):
    """A report that counted more runs stays: rewriting it from fewer (e.g. from a study
    dir whose runs were reported from a table) would lose results without a word."""
    if not osp.isfile(path):
        return
    match = _COUNTED.search(open(path).read())
    if match and int(match.group(1)) > counted:
        raise ValueError(
            f'{path} counts {match.group(1)} runs with results, this report only {counted}; '
            'it was left as it is. Report into another dir (tools/al_study.py STUDY --report '
            '--out DIR), or delete it to replace it.')


def write_study_report(study_dir, table=None, out_dir=None, only=None):
    """Write report.md and its figures; returns the path of report.md.

    The results are the study dir's runs: then study_table.csv is written beside the
    report, and the curves, mode collapse and t-SNE come from the run dirs. Given
    ``table``, they are the rows of that study_table.csv instead (e.g. the committed
    table of a study whose run dirs are gone), and the report has the figures the
    rows alone give. A report never replaces one that counted more runs (ValueError).

    Args:
        study_dir (str): the study dir (its study.json; its runs unless ``table``).
        table (str, optional): a study_table.csv to report instead of the runs; its rows
            of other experiments or seeds are left out.
        out_dir (str, optional): where to write (default ``study_dir``).
        only (dict, optional): ``{tag or 'seed': [values]}``, the part of the study to
            report (see ``select_study``).
    """
    study = select_study(read_study(study_dir), only)
    out_dir = out_dir or study_dir
    if table:
        names = {e['name'] for e in study['experiments']}
        read = read_table_csv(table)
        rows = [r for r in read if r['experiment'] in names and r['seed'] in study['seeds']]
        runs, source = [], f'[`{osp.relpath(table)}`]({osp.relpath(table, out_dir)})'
        unfinished = 0
    else:
        runs, source = study_runs(study_dir, study), f'`{TABLE_FILE}`'
        unfinished = sum(not is_finished(results) for _, _, results in runs)
        runs = [run for run in runs if is_finished(run[2])]
        rows = study_table(runs)
    path = osp.join(out_dir, REPORT_FILE)
    _refuse_emptier(path, len(rows))
    os.makedirs(out_dir, exist_ok=True)
    if not table:
        write_table_csv(rows, osp.join(out_dir, TABLE_FILE))
    regimes, side_by_side = pools_by_regime(study), regime_section(rows)
    study, rows, runs = split_regimes(study, rows, runs)
    tags = [e['tags'] for e in study['experiments']]
    pools = _order(t.get('pool') for t in tags)
    budgets = _order(t.get('budget') for t in tags)
    methods = _order(t.get('method') for t in tags)
    ssl_off = supervised_setting(study['experiments'])
    references = tuple(study.get('report', {}).get('references', REFERENCES))
    cell_order = _cell_order(pools, budgets, ssl_off)
    coverage = _cell_coverage(rows, study, ssl_off)
    total = len(study['experiments']) * len(study['seeds'])
    lines = [f'# Study {study["name"]}', '',
             f'{len(rows)} of {total} runs with results ({len(study["experiments"])} '
             f'experiments × {len(study["seeds"])} seeds'
             f'{f"; {unfinished} unfinished, left out" if unfinished else ""}); config '
             f'`{osp.relpath(study["config"])}`. Mean ± std over seeds; **bold**: best mean '
             f'per column; Δ: paired difference of AUC to {" and to ".join(references)} '
             f'(same SSL setting), mean over shared seeds [95 % t-interval], **bold** when '
             f'the interval excludes 0. Per-run rows: {source}.', '']
    if only:
        lines += ['The part of the study that `--only ' + ' '.join(
            f'{k}={",".join(v)}' for k, v in only.items()) + '` selects.', '']
    if table:
        lines += ['The runs are read from that table, not from run dirs: no learning curves, '
                  'mode collapse or t-SNE.' + (f' {len(read) - len(rows)} of its rows are of '
                                               'other experiments or seeds.'
                                               if len(read) > len(rows) else ''), '']
    if len(rows) < total:
        lines += ['## Coverage', '', _coverage(coverage, cell_order), '']
    overview = [name for name in (_pool_plot(rows, out_dir, regime_pools, methods, budget,
                                             ssl_off, regime)
                                  for regime, regime_pools in regimes.items()
                                  if len(regime_pools) > 1 for budget in budgets) if name]
    if overview:
        lines += ['## AUC across pools', '',
                  'AUC at each budget\'s largest report budget, mean ± std over seeds, pools '
                  'in the study\'s order; one panel per SSL setting.', '']
        lines += [line for name in overview for line in (f'![AUC across pools]({name})', '')]
    curves = _curve_plots(runs, out_dir, pools, budgets, ssl_off)
    for pool in pools:
        full = [r for r in rows if r['pool'] == pool and r['budget'] is None]
        for budget in budgets:
            cell = [r for r in rows if r['pool'] == pool and r['budget'] == budget]
            if not cell:
                continue
            lines += [f'## {pool}, budget {budget}', '', paper_table(cell, full, ssl_off,
                                                                 references), '']
            if (pool, budget) in curves:
                lines += [f'![learning curves]({curves[(pool, budget)]})', '']
    lines += side_by_side
    gains = ssl_gains(rows, 'auc', ssl_off)
    if gains:
        gains.sort(key=lambda g: (cell_order((g['pool'], g['budget'], g['ssl'])),
                                  _index(methods, g['method'])))
        lines += ['## What SSL adds to each method', '',
                  'Per method: AUC at the largest report budget with SSL minus without, '
                  'paired by seed (the same seed starts from the same labeled set); mean '
                  '[95 % t-interval] over the seeds both have, **bold** when it excludes 0.',
                  '',
                  markdown_table(['pool', 'budget', 'method', 'ssl', 'gain', 'seeds'],
                            [dict(g, gain=interval_text(g['gain'], g['low'], g['high']))
                             for g in gains]), '']
    collapse = mode_collapse(runs)
    if collapse:
        lines += ['## Mode collapse', '',
                  'Per acquired batch (by the cycle it entered), mean over seeds: near-dup = '
                  'share of picks within ±2 frames of another pick of the same sequence; '
                  'shared seq = share of picks sharing a sequence with another pick; '
                  'sequences = distinct sequences in the batch; largest = largest '
                  'single-sequence share of the batch.', '']
        for budget in budgets:
            name = _collapse_plot(collapse, out_dir, pools, budget, ssl_off)
            if name:
                lines += [f'![near-duplicate picks]({name})', '']
        batches = [dict(pool=r['pool'], budget=r['budget'],
                        method=_label(r['method'], r['ssl'], ssl_off), cycle=r['cycle'],
                        seeds=r['seeds'], **{'near-dup': f'{r["near_duplicate"]:.0%}',
                                             'shared seq': f'{r["share_sequence"]:.0%}',
                                             'sequences': f'{r["sequences"]:.1f}',
                                             'largest': f'{r["largest_sequence_share"]:.0%}'})
                   for r in collapse]
        lines += [markdown_table(['pool', 'budget', 'method', 'cycle', 'seeds', 'near-dup',
                             'shared seq', 'sequences', 'largest'], batches), '']
    tsne = {} if table else _tsne_plots(study_dir, study, out_dir, pools, budgets, ssl_off)
    if tsne:
        lines += ['## t-SNE of pooled features', '',
                  'Pooled Coreset-layer features of the pool at the first and last '
                  'acquisition (grey: unlabeled, blue: labeled, red: picked by that '
                  'acquisition; right: coloured by sequence).', '']
        lines += [f'![t-SNE {pool}]({name})' for pool, name in tsne.items()] + ['']
    guide = strategy_guide(rows, 'auc')
    if guide:
        guide.sort(key=lambda c: cell_order((c['pool'], c['budget'], c['ssl'])))
        lines += ['## Strategy guide (computed from this study)', '',
                  'Per (pool, budget, SSL) cell, by AUC at the budget\'s largest report '
                  'budget: the leader, its paired difference to the runner-up [95 % '
                  't-interval over seeds], and the methods not distinguishable from it (their '
                  'interval includes 0). Clear: the leader is tied with no one. "not run": '
                  'methods of the cell without results, which the contest leaves out.', '',
                  markdown_table(['pool', 'budget', 'ssl', 'leader', 'AUC', 'runner-up',
                             'Δ to runner-up', 'tied with', 'clear?', 'seeds', 'not run'],
                            [dict(c, leader=c['winner'], AUC=f'{c["winner_mean"]:.2f}', **{
                                'runner-up': c['runner_up'],
                                'Δ to runner-up': interval_text(c['margin'], c['low'],
                                                                c['high']),
                                'tied with': ', '.join(c['tied']) or None,
                                'clear?': 'yes' if c['clear'] else 'no',
                                'not run': ', '.join(coverage.get(
                                    (c['pool'], c['budget'], c['ssl']), ((), ()))[1]) or None})
                             for c in guide]), '']
    atomic_write_text(path, '\n'.join(lines))
    return path
