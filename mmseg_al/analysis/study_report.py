"""report.md of a study: the paper's tables, curves, mode collapse, t-SNE and the guide.

Everything is computed from the study dir (``study.json`` and each run's files), so
the report can be rebuilt at any time, also while a study is still running.
"""
import os
import os.path as osp
from collections import defaultdict

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmseg_al.analysis.curves import plot_curves  # noqa: E402
from mmseg_al.analysis.study_table import (add_table_rows, by_seed, group_rows,  # noqa: E402
                                           mean_std, mode_collapse, paired_difference,
                                           read_study, ssl_gains, strategy_guide, study_runs,
                                           study_table, supervised_setting, TABLE_FILE,
                                           write_table_csv)
from mmseg_al.analysis.tsne import acquisition_points, plot_tsne  # noqa: E402
from mmseg_al.fileio import atomic_write_text  # noqa: E402

REPORT_FILE = 'report.md'
REFERENCE = 'Random'
TSNE_METHODS = ('Entropy', 'Coreset')


def _order(values):
    return list(dict.fromkeys(v for v in values if v is not None))


def _fmt(mean, std, bold=False):
    if mean is None:
        return '-'
    text = f'{mean:.2f} ± {std:.2f}'
    return f'**{text}**' if bold else text


def _md_table(columns, rows):
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    lines += ['| ' + ' | '.join('-' if row.get(c) is None else str(row[c]) for c in columns)
              + ' |' for row in rows]
    return '\n'.join(lines)


def _label(method, ssl, ssl_off):
    return method if ssl in (None, ssl_off) else f'{method}-{ssl}'


def paper_table(rows, full_rows, ssl_off, reference=REFERENCE):
    """The paper's layout for one pool and budget as markdown.

    One row per method × SSL, supervised first (``ssl_off``: the ``ssl`` tag that means
    supervised, see ``supervised_setting``): AUC@B and mIoU@B (mean ± std over seeds)
    for each report budget, the best mean per column in bold, and the paired difference
    to the reference method with the same SSL setting (mean ± std over shared seeds);
    then the fully supervised rows (``full_rows``: budget-less experiments of the pool).
    """
    budgets = sorted({k.split('@')[1] for r in rows for k in r if k.startswith('auc@')},
                     key=float)
    columns = [f'{kind}@{b}' for b in budgets for kind in ('auc', 'miou')]
    last = f'auc@{budgets[-1]}' if budgets else None
    groups = group_rows(rows, ('method', 'ssl'))
    ssl_values = _order(r['ssl'] for r in rows)
    stats = {key: {c: mean_std(by_seed(g, c).values()) for c in columns}
             for key, g in groups.items()}
    best = {c: max((s[c][0] for s in stats.values() if s[c][0] is not None), default=None)
            for c in columns}
    table = []
    for (method, ssl), group in sorted(groups.items(), key=lambda item: (
            item[0][1] not in (None, ssl_off), _index(ssl_values, item[0][1]), item[0][0])):
        row = {'method': _label(method, ssl, ssl_off), 'seeds': len(group)}
        for c in columns:
            mean, std = stats[(method, ssl)][c]
            row[c.replace('auc', 'AUC').replace('miou', 'mIoU')] = _fmt(
                mean, std, bold=mean is not None and mean == best[c])
        reference_rows = groups.get((reference, ssl))
        if last and reference_rows and method != reference:
            mean, std, n = paired_difference(group, reference_rows, last)
            row[f'Δ AUC@{budgets[-1]} vs {reference}'] = (
                '-' if mean is None else f'{mean:+.2f} ± {std:.2f} (n={n})')
        table.append(row)
    for (method,), group in group_rows(full_rows, ('method',)).items():
        mean, std = mean_std(r['final_mIoU'] for r in group)
        table.append({'method': method, 'seeds': len(group), 'mIoU@100': _fmt(mean, std)})
    header = ['method', 'seeds'] + [c.replace('auc', 'AUC').replace('miou', 'mIoU')
                                    for c in columns]
    if last:
        header.append(f'Δ AUC@{budgets[-1]} vs {reference}')
    if full_rows:
        header.append('mIoU@100')
    return _md_table(header, table)


def _curve_plots(study_dir, pools, budgets, ssl_off):
    groups = defaultdict(lambda: defaultdict(list))
    for experiment, _, results in study_runs(study_dir):
        tags = experiment['tags']
        if tags.get('budget') is not None and results['cycles']:
            groups[(tags.get('pool'), tags['budget'])][
                _label(tags.get('method'), tags.get('ssl'), ssl_off)].append(results)
    paths = {}
    for pool in pools:
        for budget in budgets:
            if (pool, budget) in groups:
                name = f'curves_{pool}_{budget}.png'
                plot_curves(dict(groups[(pool, budget)]), osp.join(study_dir, name),
                            title=f'{pool}, budget {budget} (mean ± std over seeds)')
                paths[(pool, budget)] = name
    return paths


def _collapse_plot(collapse, study_dir, pools, budget, ssl_off):
    rows = [r for r in collapse if r['budget'] == budget]
    if not rows:
        return None
    fig, axes = plt.subplots(1, len(pools), figsize=(4 * len(pools), 3.2), dpi=110,
                             squeeze=False)
    for ax, pool in zip(axes[0], pools):
        for (method, ssl), group in sorted(group_rows(
                [r for r in rows if r['pool'] == pool], ('method', 'ssl')).items(),
                key=lambda item: tuple(map(str, item[0]))):
            group = sorted(group, key=lambda r: r['cycle'])
            ax.plot([r['cycle'] for r in group], [100 * r['near_duplicate'] for r in group],
                    marker='o', label=_label(method, ssl, ssl_off))
        ax.set_title(f'{pool}, budget {budget}', fontsize=9)
        ax.set_xlabel('cycle the batch entered')
        ax.set_ylabel('near-duplicate picks (%)')
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=6)
    fig.tight_layout()
    name = f'mode_collapse_{budget}.png'
    fig.savefig(osp.join(study_dir, name))
    plt.close(fig)
    return name


def _tsne_plots(study_dir, study, pools, budgets, ssl_off):
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
                                osp.join(run_dir, d, 'selection.json'))) if osp.isdir(
                                    run_dir) else []
            if cycles:
                panels[_label(method, experiment['tags'].get('ssl'), ssl_off)] = [(f'acquisition {k + 1}', acquisition_points(
                    osp.join(run_dir, f'cycle_{k}'))) for k in dict.fromkeys(
                        (cycles[0], cycles[-1]))]
        if panels and any(p is not None for v in panels.values() for _, p in v):
            name = f'tsne_{pool}.png'
            plot_tsne(panels, osp.join(study_dir, name),
                      title=f'{pool}: pooled features at the first and last acquisition '
                      f'(seed {seed})')
            paths[pool] = name
    return paths


def _source(row):
    return f'`{osp.relpath(row["source"])}`' if row['source'] else 'study dir'


def _differing_row(differing):
    """A run two sources disagree on, by its headline result (AUC@B, or mIoU at 100 %).

    A one-cycle run (a 100 % row) has an AUC of 0 (no area under one point): its mIoU is
    the result.
    """
    kept, other = differing['kept'], differing['other']
    has_area = kept.get('cycles') != 1 and None not in (kept.get('auc'), other.get('auc'))
    column = 'auc' if has_area else 'final_mIoU'
    return {'experiment': differing['experiment'], 'seed': differing['seed'],
            'used': _source(kept), 'result': f'{kept[column]:.2f}', 'also in': _source(other),
            'its result': f'{other[column]:.2f}', 'Δ': f'{other[column] - kept[column]:+.2f}'}


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
            ran.append(label if have == len(study['seeds']) else f'{label} ({have} seeds)')
        else:
            missing.append(label)
    return cells


def _coverage(cells, cell_order):
    """Which experiments of the study have results: one line per (pool, budget, SSL)."""
    return _md_table(['pool', 'budget', 'ssl', 'with results', 'not run'],
                     [dict(pool=pool, budget=budget, ssl=ssl, **{
                         'with results': ', '.join(ran) or None,
                         'not run': ', '.join(missing) or None})
                      for (pool, budget, ssl), (ran, missing) in sorted(
                          cells.items(), key=lambda item: cell_order(item[0]))])


def write_study_report(study_dir, tables=()):
    """Write report.md, study_table.csv and the PNGs into ``study_dir``; returns report.md.

    Args:
        study_dir (str): the study dir.
        tables (list[str]): study_table.csv files of studies that ran some of this
            study's experiments (see ``add_table_rows``); their runs count as this
            study's. Curves, mode collapse and t-SNE need run dirs, so they show only
            the study dir's own runs.
    """
    study = read_study(study_dir)
    own = study_table(study_dir)
    rows, differing = add_table_rows(own, tables, study['experiments'])
    write_table_csv(rows, osp.join(study_dir, TABLE_FILE))
    tags = [e['tags'] for e in study['experiments']]
    pools = _order(t.get('pool') for t in tags)
    budgets = _order(t.get('budget') for t in tags)
    ssl_off = supervised_setting(study['experiments'])
    cell_order = _cell_order(pools, budgets, ssl_off)
    coverage = _cell_coverage(rows, study, ssl_off)
    runs = len(study['experiments']) * len(study['seeds'])
    in_grid = {e['name'] for e in study['experiments']}
    lines = [f'# Study {study["name"]}', '',
             f'{sum(r["experiment"] in in_grid and r["seed"] in study["seeds"] for r in rows)} '
             f'of {runs} runs with results ({len(study["experiments"])} experiments × '
             f'{len(study["seeds"])} seeds); config `{osp.relpath(study["config"])}`. '
             'Mean ± std over seeds; **bold**: best mean per column; Δ: paired difference to '
             f'{REFERENCE} (same SSL setting) over shared seeds. Per-run rows: '
             f'`{TABLE_FILE}`.', '']
    if tables:
        outside = sum(r['experiment'] not in in_grid for r in rows)
        lines += [f'{len(rows) - len(own)} runs come from the tables of other studies (the '
                  f'`source` column; {outside} of them outside this grid): ' +
                  ', '.join(f'`{osp.relpath(t)}`' for t in tables) +
                  '. Their curves, mode collapse and t-SNE are in those studies\' reports.', '',
                  '## Coverage', '', _coverage(coverage, cell_order), '']
    if differing:
        lines += ['## Runs read twice with other results', '',
                  'The same experiment config and seed in two sources (runs repeat bit for '
                  'bit on one machine, not across CPU types). The report uses the first. '
                  'Result: AUC at the largest report budget; mIoU for a 100 % row.', '',
                  _md_table(['experiment', 'seed', 'used', 'result', 'also in', 'its result',
                             'Δ'], [_differing_row(d) for d in differing]), '']
    curves = _curve_plots(study_dir, pools, budgets, ssl_off)
    for pool in pools:
        full = [r for r in rows if r['pool'] == pool and r['budget'] is None]
        for budget in budgets:
            cell = [r for r in rows if r['pool'] == pool and r['budget'] == budget]
            if not cell:
                continue
            lines += [f'## {pool}, budget {budget}', '', paper_table(cell, full, ssl_off), '']
            if (pool, budget) in curves:
                lines += [f'![learning curves]({curves[(pool, budget)]})', '']
    gains = ssl_gains(rows, 'auc', ssl_off)
    if gains:
        methods = _order(t.get('method') for t in tags)
        gains.sort(key=lambda g: (cell_order((g['pool'], g['budget'], g['ssl'])),
                                  _index(methods, g['method'])))
        lines += ['## What SSL adds to each method', '',
                  'Per method: AUC at the largest report budget with SSL minus without, '
                  'paired by seed (the same seed starts from the same labeled set); mean ± '
                  'std over the seeds both have.', '',
                  _md_table(['pool', 'budget', 'method', 'ssl', 'gain', 'seeds'],
                            [dict(g, gain='-' if g['gain'] is None else
                                  f'{g["gain"]:+.2f} ± {g["std"]:.2f}') for g in gains]), '']
    collapse = mode_collapse(study_dir)
    if collapse:
        lines += ['## Mode collapse', '',
                  'Per acquired batch (by the cycle it entered), mean over seeds: near-dup = '
                  'share of picks within ±2 frames of another pick of the same sequence; '
                  'shared seq = share of picks sharing a sequence with another pick; '
                  'sequences = distinct sequences in the batch; largest = largest '
                  'single-sequence share of the batch.', '']
        for budget in budgets:
            name = _collapse_plot(collapse, study_dir, pools, budget, ssl_off)
            if name:
                lines += [f'![near-duplicate picks]({name})', '']
        table = [dict(pool=r['pool'], budget=r['budget'],
                      method=_label(r['method'], r['ssl'], ssl_off), cycle=r['cycle'],
                      seeds=r['seeds'], **{'near-dup': f'{r["near_duplicate"]:.0%}',
                                           'shared seq': f'{r["share_sequence"]:.0%}',
                                           'sequences': f'{r["sequences"]:.1f}',
                                           'largest': f'{r["largest_sequence_share"]:.0%}'})
                 for r in collapse]
        lines += [_md_table(['pool', 'budget', 'method', 'cycle', 'seeds', 'near-dup',
                             'shared seq', 'sequences', 'largest'], table), '']
    tsne = _tsne_plots(study_dir, study, pools, budgets, ssl_off)
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
                  'budget: the winner, its margin over the runner-up, and whether the '
                  'margin exceeds the seed spread (the larger std of the two). "not run": '
                  'methods of the cell without results, which the contest leaves out.', '',
                  _md_table(['pool', 'budget', 'ssl', 'winner', 'AUC', 'runner-up', 'margin',
                             'spread', 'clear?', 'seeds', 'not run'],
                            [dict(c, AUC=f'{c["winner_mean"]:.2f}', **{
                                'runner-up': c['runner_up'], 'margin': f'{c["margin"]:.2f}',
                                'spread': f'{c["spread"]:.2f}',
                                'clear?': 'yes' if c['clear'] else 'no',
                                'not run': ', '.join(coverage.get(
                                    (c['pool'], c['budget'], c['ssl']), ((), ()))[1]) or None})
                             for c in guide]), '']
    path = osp.join(study_dir, REPORT_FILE)
    atomic_write_text(path, '\n'.join(lines))
    return path
