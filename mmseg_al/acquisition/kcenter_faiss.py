"""k-center greedy with faiss kernels: an optional backend, same picks as torch.

faiss is imported lazily so the package works without it. The greedy loop is
shared with the torch backend (``functional.greedy_farthest_first``); faiss only
supplies the two distance kernels: a blocked exact 1-NN search for the initial
min-distance vector and a one-pass distance column per pick.
"""
import numpy as np
import torch

from mmseg_al.acquisition.functional import check_k_center_inputs, greedy_farthest_first


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

    if labeled.shape[0]:
        if use_gpu:
            nearest_sq, _ = faiss.knn_gpu(resources, unlabeled, labeled, 1)
        else:
            nearest_sq, _ = faiss.knn(unlabeled, labeled, 1)
        min_sq = torch.from_numpy(np.maximum(nearest_sq[:, 0], 0))
    else:
        min_sq = torch.full((unlabeled.shape[0], ), float('inf'))

    num, dim = unlabeled.shape
    column = np.empty(num, dtype=np.float32)

    def sq_distances_to(j):
        if use_gpu:
            return torch.from_numpy(
                faiss.pairwise_distance_gpu(resources, unlabeled[j:j + 1], unlabeled)[0])
        # Direct (x - c)^2 sums: one pass over the features, no cancellation.
        faiss.fvec_L2sqr_ny(faiss.swig_ptr(column), faiss.swig_ptr(unlabeled[j]),
                            faiss.swig_ptr(unlabeled), dim, num)
        return torch.from_numpy(column)

    return greedy_farthest_first(min_sq, sq_distances_to, k)


def _as_float32(features):
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu().numpy()
    return np.ascontiguousarray(features, dtype=np.float32)
