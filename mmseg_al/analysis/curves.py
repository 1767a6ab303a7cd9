"""mIoU-vs-labeled curves, one line per method, mean and spread over seeds."""
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


def plot_curves(groups, path, title='', metric='mIoU'):
    """Plot ``{label: [results.json documents of its seeds]}`` to ``path`` (PNG).

    ``metric`` is a per-cycle key of results.json: ``mIoU`` or ``mIoU_all_classes``.
    """
    # Imported here, not at the top: every AL run imports this module, and pyplot
    # costs most of a second of start-up.
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
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
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
