"""Brute-force k-center greedy: the oracle the fast implementations are checked against."""
import numpy as np


def brute_force_k_center(unlabeled, labeled, k):
    """Oracle: all distances to all centers recomputed for every pick (float64 numpy).

    Distances are direct differences, so duplicates are exactly 0. The farthest
    not-yet-picked point is picked, the lowest index on ties.
    """
    unlabeled = unlabeled.astype(np.float64)
    centers = list(labeled.astype(np.float64))
    picked, radii = [], []
    while True:
        if centers:
            diff = unlabeled[:, None, :] - np.stack(centers)[None]
            nearest = np.sqrt((diff**2).sum(-1)).min(1)
        else:
            nearest = np.full(len(unlabeled), np.inf)
        radii.append(nearest.max() if len(picked) < len(unlabeled) else 0.)
        if len(picked) == k:
            return picked, np.array(radii)
        nearest[picked] = -np.inf
        j = int(np.argmax(nearest))
        picked.append(j)
        centers.append(unlabeled[j])
