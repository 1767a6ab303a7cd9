"""The line plots of runs and studies: mIoU-vs-labeled curves (one line per method, mean
and spread over seeds) and panels of a study's per-pool and per-cycle summaries."""
import os

import numpy as np


def curve_over_seeds(runs, metric='mIoU'):
    """Percent labeled and ``metric`` mean / std per cycle over the runs (seeds) of one method.

    Only cycles every run has finished are used, so a partial seed does not bias the mean.
    """
    length = min(len(run['cycles']) for run in runs)
    x = np.array([[c['percent_labeled'] for c in run['cycles'][:length]] for run in runs])
    y = np.array([[c[metric] for c in run['cycles'][:length]] for run in runs])
    return x.mean(0), y.mean(0), y.std(0)


def _pyplot():
    # Imported on first use, not at the top: every AL run imports this module, and
    # pyplot costs most of a second of start-up.
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path):
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    _pyplot().close(fig)
    return path


def plot_curves(groups, path, title='', metric='mIoU'):
    """Plot ``{label: [results.json documents of its seeds]}`` to ``path`` (PNG).

    ``metric`` is a per-cycle key of results.json: ``mIoU`` or ``mIoU_all_classes``.
    """
    fig, ax = _pyplot().subplots(figsize=(6, 4), dpi=120)
    for label, runs in sorted(groups.items()):
        x, mean, std = curve_over_seeds(runs, metric)
        line, = ax.plot(x, mean, marker='o', label=f'{label} (n={len(runs)})'
                        if len(runs) > 1 else label)
        if len(runs) > 1:
            ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xlabel('labeled (% of pool)')
    ax.set_ylabel(f'{metric} (%)')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_panels(panels, path, xlabel, ylabel, xticks=None):
    """Line plots side by side: ``{title: [(label, x, y, yerr, colour)]}`` to ``path`` (PNG).

    ``yerr`` (None: none) is drawn as error bars; ``colour`` indexes matplotlib's colour
    cycle, so a method keeps its colour across panels; ``xticks`` names x = 0, 1, ...
    """
    fig, axes = _pyplot().subplots(1, len(panels), figsize=(4.5 * len(panels), 3.4), dpi=110,
                             squeeze=False)
    for ax, (title, lines) in zip(axes[0], panels.items()):
        for label, x, y, yerr, colour in lines:
            ax.errorbar(x, y, yerr=yerr, marker='o', capsize=3, color=f'C{colour % 10}',
                        label=label)
        if xticks is not None:
            ax.set_xticks(range(len(xticks)), xticks)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    return _save(fig, path)
