"""k-center greedy with faiss kernels: an optional backend, same picks as torch.

faiss is imported lazily so the package works without it. The greedy loop is
shared with the torch backend (``functional.greedy_farthest_first``); faiss only
supplies the two distance kernels: a blocked exact 1-NN search for the initial
min-distance vector and a one-pass distance column per pick. Where faiss's
expanded form (``||x||^2 + ||c||^2 - 2 x.c``) is within rounding of 0, the
distance is recomputed exactly, as in the torch backend, so duplicates are at 0.
"""
import numpy as np
import torch

from mmseg_al.acquisition.functional import (check_k_center_inputs, expansion_rounding_bound,
                                             greedy_farthest_first, nearest_center_sq_distances,
                                             recompute_near_zero)


def import_faiss():
    """Import faiss, or say how to install it."""
    try:
        import faiss
    except ImportError as err:
        raise ImportError(
            'the faiss k-center backend needs faiss: `pip install faiss-cpu` '
            '(or faiss-gpu on a CUDA machine), or use backend="torch"') from err
    return faiss


def k_center_greedy_faiss(unlabeled, labeled, k, use_gpu=None):
    """k-center greedy with faiss distance kernels (float32).

    Args:
        unlabeled (Tensor | ndarray): features ``[Nu, D]``.
        labeled (Tensor | ndarray): features ``[Nl, D]``; may be empty.
        k (int): number of picks.
        use_gpu (bool, optional): run the kernels on a GPU; default: when
            faiss sees one.

    Returns:
        tuple[Tensor, Tensor]: as ``functional.k_center_greedy``: picked indices
        ``[k]`` and covering radius ``[k + 1]``.
    """
    faiss = import_faiss()
    unlabeled = _as_float32(unlabeled)
    labeled = _as_float32(labeled)
    check_k_center_inputs(torch.from_numpy(unlabeled), torch.from_numpy(labeled), k)
    if use_gpu is None:
        use_gpu = faiss.get_num_gpus() > 0
    if use_gpu and faiss.get_num_gpus() == 0:
        raise RuntimeError('faiss k-center backend: use_gpu=True but this faiss build '
                           'sees no GPU; install faiss-gpu or set use_gpu=False')
    resources = faiss.StandardGpuResources() if use_gpu else None

    unlabeled_t, labeled_t = torch.from_numpy(unlabeled), torch.from_numpy(labeled)
    unlabeled_sq = torch.linalg.vector_norm(unlabeled_t, dim=1).square_()
    if labeled.shape[0]:
        if use_gpu:
            nearest_sq, nearest = faiss.knn_gpu(resources, unlabeled, labeled, 1)
        else:
            nearest_sq, nearest = faiss.knn(unlabeled, labeled, 1)
        min_sq = torch.from_numpy(np.maximum(nearest_sq[:, 0], 0))
        # faiss's expanded form may leave a duplicate of a labeled point above 0:
        # rows within rounding of their nearest center get the exact torch kernel.
        labeled_sq = torch.linalg.vector_norm(labeled_t, dim=1).square_()
        norms_sum = unlabeled_sq + labeled_sq[torch.from_numpy(nearest[:, 0])]
        recheck = (min_sq <= norms_sum * expansion_rounding_bound(unlabeled_t)).nonzero()[:, 0]
        if len(recheck):
            min_sq[recheck] = nearest_center_sq_distances(unlabeled_t[recheck], labeled_t)
    else:
        min_sq = torch.full((unlabeled.shape[0], ), float('inf'))

    num, dim = unlabeled.shape
    column = np.empty(num, dtype=np.float32)

    def sq_distances_to(j):
        if use_gpu:
            # The GPU kernel uses the expanded form: recheck values near 0 exactly.
            gpu_column = torch.from_numpy(
                faiss.pairwise_distance_gpu(resources, unlabeled[j:j + 1], unlabeled)[0])
            recompute_near_zero(gpu_column.unsqueeze(1),
                                (unlabeled_sq + unlabeled_sq[j]).unsqueeze(1), unlabeled_t,
                                unlabeled_t[j:j + 1])
            return gpu_column
        # Direct (x - c)^2 sums: one pass over the features, no cancellation.
        faiss.fvec_L2sqr_ny(faiss.swig_ptr(column), faiss.swig_ptr(unlabeled[j]),
                            faiss.swig_ptr(unlabeled), dim, num)
        return torch.from_numpy(column)

    return greedy_farthest_first(min_sq, sq_distances_to, k)


def _as_float32(features):
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu().numpy()
    return np.ascontiguousarray(features, dtype=np.float32)
