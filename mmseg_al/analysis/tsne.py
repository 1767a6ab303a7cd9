"""t-SNE of pooled pool features at an acquisition: labeled vs unlabeled vs picked.

The poster's Figure 1: a single-sample method's picks bunch up in feature space on
redundant data while Coreset's spread over the pool. Features come from the
``pool_features.npz`` an acquisition saves with ``active_learning.save_pool_features``.
"""
import json
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from mmseg_al.work_dir_files import POOL_FEATURES_FILE, SELECTION_FILE  # noqa: E402

STATUS_COLOURS = dict(unlabeled='#c8c8c8', labeled='#1f77b4', picked='#d62728')


def acquisition_points(cycle_dir, seed=0):
    """2-D t-SNE embedding of one acquisition's pool features, with each point's status.

    Args:
        cycle_dir (str): ``cycle_<k>`` dir holding pool_features.npz and selection.json.
        seed (int): t-SNE random state.

    Returns:
        dict: ``xy`` ``[N, 2]``, ``status`` (``labeled`` / ``unlabeled`` / ``picked``, the
        batch this acquisition chose) and ``sequence`` per point; None if not saved.
    """
    path = osp.join(cycle_dir, POOL_FEATURES_FILE)
    if not osp.isfile(path):
        return None
    data = np.load(path)
    with open(osp.join(cycle_dir, SELECTION_FILE)) as f:
        picked = set(json.load(f)['ids'])
    status = np.where(data['labeled'], 'labeled', 'unlabeled').astype(object)
    status[[s in picked for s in data['ids']]] = 'picked'
    features = data['features'].astype(np.float64)
    perplexity = float(min(30, max(2, (len(features) - 1) // 3)))
    xy = TSNE(n_components=2, init='pca', perplexity=perplexity,
              random_state=seed).fit_transform(features)
    return dict(xy=xy, status=status, sequence=data['sequence'])


def plot_tsne(panels, path, title=''):
    """One row per method: (first, last) acquisition, coloured by status and by sequence.

    Args:
        panels (dict): ``{method: [(label, points or None), ...]}`` with ``points`` from
            :func:`acquisition_points`.
        path (str): PNG to write.
    """
    columns = max(len(v) for v in panels.values()) * 2
    fig, axes = plt.subplots(len(panels), columns, figsize=(3 * columns, 3 * len(panels)),
                             dpi=110, squeeze=False)
    for row, (method, acquisitions) in enumerate(panels.items()):
        for col, (label, points) in enumerate(acquisitions):
            by_status, by_sequence = axes[row, 2 * col], axes[row, 2 * col + 1]
            for ax, what in ((by_status, 'labeled / unlabeled / picked'),
                             (by_sequence, 'sequence')):
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f'{method}, {label}\n{what}', fontsize=8)
            if points is None:
                by_status.text(0.5, 0.5, 'no features saved', ha='center', va='center')
                continue
            xy = points['xy']
            for status in ('unlabeled', 'labeled', 'picked'):
                mask = points['status'] == status
                by_status.scatter(xy[mask, 0], xy[mask, 1], s=6, c=STATUS_COLOURS[status],
                                  label=f'{status} ({mask.sum()})')
            by_status.legend(fontsize=6, loc='best')
            codes = np.unique(points['sequence'], return_inverse=True)[1]
            by_sequence.scatter(xy[:, 0], xy[:, 1], s=6, c=codes, cmap='tab20')
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
