"""How redundant is an unlabeled pool? One number, computed before any labeling.

The study's guide (diverse data: Random or single-sample; redundant data: batch-based)
needs to know which kind of data a pool is. The score here is the *fraction of the
pool that is redundant*::

    redundancy = 1 - N_eff / N

where ``N_eff`` is the effective number of distinct images. Each image contributes
``1 - 1 / |group|``, its group being the near-duplicates it belongs to, so a pool of
``n`` distinct images each repeated ``m`` times scores ``1 - 1/m`` (Pool-Xf ideally
``X / (X + 1)``: 0, 0.83, 0.92, 0.96) and a pool of all-different images scores 0.

Groups come either from pixels or features alone (:func:`duplicate_groups`: connected
components of the graph linking images closer than ``threshold`` times the pool's
spread), or from sequence metadata (:func:`temporal_groups`: frames a few steps apart
in one sequence, augmented copies with their source). The measurements that chose the
graph and its threshold over nearest-neighbour distance ratios and k-center covering
are in ``docs/study/redundancy.md`` (``benchmarks/bench_redundancy.py``).

Everything here is pure maths over a ``[N, D]`` matrix and optional per-image
sequence ids; reading a pool's images is :mod:`mmseg_al.analysis.pool_images`.
"""
import importlib.util
from collections import defaultdict
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

from mmseg_al.acquisition.functional import k_center_greedy
from mmseg_al.acquisition.kcenter_faiss import import_faiss

# Near-duplicate distance as a fraction of the median pairwise distance; each embedding
# has its own, chosen by measurement (mmseg_al.analysis.pool_images.EMBEDDINGS).
DEFAULT_THRESHOLD = 0.5
DEFAULT_NEIGHBOURS = 10
# 'auto': faiss when installed (about 3x faster than scikit-learn on 10,000 x 1,536 on
# one thread), else scikit-learn's exact search.
KNN_BACKENDS = ('auto', 'faiss', 'sklearn')


@dataclass
class RedundancyScore:
    """A pool's redundancy, its bootstrap interval and where it comes from.

    Attributes:
        score (float): ``1 - effective_images / num_images``, in [0, 1).
        interval (tuple[float, float]): bootstrap confidence interval over images.
        num_images (int): pool size N.
        effective_images (float): ``N_eff``, the number of distinct images.
        method (str): what produced it: an embedding ('colour', 'pixels', ...) or
            'sequence'.
        per_image (ndarray): ``[N]`` each image's contribution (mean = score).
        per_sequence (list[dict] | None): per sequence: ``sequence``, ``images``,
            ``redundancy`` (mean of its images) and ``share`` of the pool score;
            largest share first. None without sequence ids.
        params (dict): the settings that produced the score.
    """
    score: float
    interval: Tuple[float, float]
    num_images: int
    effective_images: float
    method: str
    per_image: np.ndarray = field(repr=False)
    per_sequence: Optional[List[dict]] = field(default=None, repr=False)
    params: dict = field(default_factory=dict)

    def to_dict(self, top_sequences=10):
        """Plain-JSON summary (the largest per-sequence shares only)."""
        return dict(score=self.score, interval=list(self.interval), num_images=self.num_images,
                    effective_images=self.effective_images, method=self.method,
                    params=self.params,
                    per_sequence=None if self.per_sequence is None
                    else self.per_sequence[:top_sequences])


def _as_matrix(features):
    matrix = np.asarray(features.detach().cpu() if torch.is_tensor(features) else features,
                        dtype=np.float32)
    if matrix.ndim != 2 or len(matrix) < 2:
        raise ValueError(f'Redundancy needs a [N, D] matrix of N >= 2 images, got shape '
                         f'{matrix.shape}.')
    if not np.isfinite(matrix).all():
        raise ValueError('Redundancy features contain NaN or inf values.')
    return matrix


def pool_spread(features, num_pairs=4096, seed=0):
    """Median Euclidean distance between random pairs of distinct images: the pool's scale.

    Distances in any embedding only mean something relative to how far apart the
    pool's images typically are, so every threshold here is a multiple of this.
    """
    matrix = _as_matrix(features)
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(matrix), num_pairs)
    # A uniform other image: shift by 1..N-1, never the image itself.
    second = (first + rng.integers(1, len(matrix), num_pairs)) % len(matrix)
    return float(np.median(np.linalg.norm(matrix[first] - matrix[second], axis=1)))


def nearest_neighbours(features, k, backend='auto'):
    """Distances and indices of each image's ``k`` nearest other images (exact search).

    Args:
        features (ndarray | Tensor): ``[N, D]``.
        k (int): neighbours per image, at most ``N - 1``.
        backend (str): one of :data:`KNN_BACKENDS`.

    Returns:
        tuple[ndarray, ndarray]: ``[N, k]`` Euclidean distances (ascending) and indices.
    """
    if backend not in KNN_BACKENDS:
        raise ValueError(f'k-NN backend must be one of {KNN_BACKENDS}, got {backend!r}.')
    if backend == 'auto':
        backend = 'faiss' if importlib.util.find_spec('faiss') else 'sklearn'
    matrix = _as_matrix(features)
    k = min(k, len(matrix) - 1)
    if backend == 'faiss':
        # Centred, so the |x|^2 - 2x.y + |y|^2 form keeps float32 precision.
        centred = np.ascontiguousarray(matrix - matrix.mean(0))
        sq_distances, indices = import_faiss().knn(centred, centred, k + 1)
        distances = np.sqrt(np.maximum(sq_distances, 0))
    else:
        distances, indices = NearestNeighbors(n_neighbors=k + 1).fit(matrix).kneighbors(matrix)
    # Drop the image itself; with exact duplicates it need not come first.
    is_self = indices == np.arange(len(matrix))[:, None]
    is_self[~is_self.any(1), -1] = True
    keep = ~is_self
    return distances[keep].reshape(len(matrix), k), indices[keep].reshape(len(matrix), k)


def duplicate_groups(features, threshold=DEFAULT_THRESHOLD, num_neighbours=DEFAULT_NEIGHBOURS,
                     spread=None, backend='auto'):
    """Near-duplicate groups: connected components of the close-neighbour graph.

    Images are linked when one is among the other's ``num_neighbours`` nearest and
    they are closer than ``threshold * spread``. Components chain, so the frames of
    one drifting sequence are one group even when its ends differ.

    Returns:
        ndarray: ``[N]`` group label of each image.
    """
    matrix = _as_matrix(features)
    spread = pool_spread(matrix) if spread is None else spread
    distances, indices = nearest_neighbours(matrix, num_neighbours, backend)
    close = distances < threshold * spread
    rows = np.repeat(np.arange(len(matrix)), indices.shape[1])[close.ravel()]
    graph = coo_matrix((np.ones(len(rows)), (rows, indices.ravel()[close.ravel()])),
                       shape=(len(matrix), len(matrix)))
    return connected_components(graph, directed=False)[1]


def temporal_groups(sequences, frames, max_gap=2):
    """Groups from metadata: runs of frames at most ``max_gap`` apart in one sequence.

    Augmented copies carry their source's sequence and frame, so they join its group.

    Args:
        sequences (Sequence[str]): sequence id of each image.
        frames (Sequence[int]): frame index of each image within its sequence.
        max_gap (int): frames at most this far apart are near-duplicates (the
            selection diagnostics' "near" is 2 frames).

    Returns:
        ndarray: ``[N]`` group label of each image.
    """
    if len(sequences) != len(frames):
        raise ValueError(f'{len(sequences)} sequence ids for {len(frames)} frame indices.')
    labels = np.empty(len(frames), dtype=np.int64)
    by_sequence = defaultdict(list)
    for i, (sequence, frame) in enumerate(zip(sequences, frames)):
        by_sequence[sequence].append((int(frame), i))
    group = -1
    for members in by_sequence.values():
        previous = None
        for frame, i in sorted(members):
            if previous is None or frame - previous > max_gap:
                group += 1
            labels[i] = group
            previous = frame
    return labels


def group_redundancy(labels):
    """Each image's contribution ``1 - 1 / |its group|``; the mean is ``1 - N_eff / N``."""
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return 1.0 - 1.0 / counts[inverse]


def nearest_neighbour_ratio(features, spread=None):
    """Each image's nearest-neighbour distance over the pool's spread (a candidate score).

    Small when images have near-duplicates, but blind to *how many* each has:
    Pool-5f and Pool-21f frames both have an adjacent frame as nearest neighbour.
    """
    matrix = _as_matrix(features)
    spread = pool_spread(matrix) if spread is None else spread
    return nearest_neighbours(matrix, 1)[0][:, 0] / spread


def covering_redundancy(features, threshold=DEFAULT_THRESHOLD, spread=None):
    """Per-image redundancy from k-center covering-radius decay (a candidate score).

    ``N_eff`` is the number of k-center greedy centers after which every image lies
    within ``threshold * spread`` of a center; each image contributes
    ``1 - 1 / |its center's cell|``, so the mean is ``1 - N_eff / N``.
    """
    matrix = _as_matrix(features)
    spread = pool_spread(matrix) if spread is None else spread
    points = torch.from_numpy(matrix - matrix.mean(0))
    picked, radius = k_center_greedy(points, points[:0], len(points))
    num_centers = int(np.argmax(radius.numpy() <= threshold * spread))
    centers = points[picked[:max(num_centers, 1)]].numpy()
    cells = NearestNeighbors(n_neighbors=1).fit(centers).kneighbors(points.numpy())[1][:, 0]
    return group_redundancy(cells)


def bootstrap_interval(values, num_resamples=1000, level=0.95, seed=0):
    """Percentile bootstrap interval of the mean of ``values`` (resampling images)."""
    values = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (num_resamples, len(values)))].mean(1)
    tail = 100 * (1 - level) / 2
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def sequence_contributions(per_image, sequences):
    """Which sequences make the pool redundant: each one's share of the pool score.

    Returns:
        list[dict]: ``sequence``, ``images``, ``redundancy`` (mean of its images) and
        ``share`` (its part of the pool score; the shares sum to the score), largest
        share first.
    """
    per_image = np.asarray(per_image, dtype=np.float64)
    if len(sequences) != len(per_image):
        raise ValueError(f'{len(sequences)} sequence ids for {len(per_image)} images.')
    members = defaultdict(list)
    for i, sequence in enumerate(sequences):
        members[sequence].append(i)
    rows = [dict(sequence=sequence, images=len(index), redundancy=float(per_image[index].mean()),
                 share=float(per_image[index].sum() / len(per_image)))
            for sequence, index in members.items()]
    return sorted(rows, key=lambda row: (-row['share'], str(row['sequence'])))


def summarize(per_image, method, sequences=None, params=None, level=0.95, seed=0):
    """A :class:`RedundancyScore` from per-image contributions."""
    per_image = np.asarray(per_image, dtype=np.float64)
    return RedundancyScore(
        score=float(per_image.mean()), interval=bootstrap_interval(per_image, level=level,
                                                                    seed=seed),
        num_images=len(per_image), effective_images=float((1 - per_image).sum()),
        method=method, per_image=per_image,
        per_sequence=None if sequences is None else sequence_contributions(per_image, sequences),
        params=dict(params or {}))


def redundancy_score(features, sequences=None, threshold=DEFAULT_THRESHOLD,
                     num_neighbours=DEFAULT_NEIGHBOURS, backend='auto', method='features'):
    """The pool's redundancy from its features alone (no labels, no metadata needed).

    Args:
        features (ndarray | Tensor): ``[N, D]`` embedding of each pool image (e.g.
            :data:`mmseg_al.analysis.pool_images.EMBEDDINGS`).
        sequences (Sequence[str], optional): sequence id of each image, used only to
            report per-sequence contributions.
        threshold (float): near-duplicate distance, as a fraction of the pool spread.
        num_neighbours (int): neighbours searched per image for the graph.
        backend (str): k-NN search, one of :data:`KNN_BACKENDS`.
        method (str): what the features are (the score's ``method``).

    Returns:
        RedundancyScore
    """
    labels = duplicate_groups(features, threshold, num_neighbours, backend=backend)
    return summarize(group_redundancy(labels), method, sequences,
                     dict(threshold=threshold, num_neighbours=num_neighbours))


def sequence_redundancy_score(sequences, frames, max_gap=2):
    """The pool's redundancy from sequence metadata (manifest) alone."""
    return summarize(group_redundancy(temporal_groups(sequences, frames, max_gap)), 'sequence',
                     sequences, dict(max_gap=max_gap))
