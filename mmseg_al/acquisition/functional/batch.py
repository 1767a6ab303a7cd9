"""Batch-aware selection: stochastic top-k, BADGE's gradient embeddings, k-means++ seeding."""
import math
from functools import partial

import torch

from mmseg_al.acquisition.functional.kcenter import (_sq_distances_to_row, _sq_norms,
                                                     check_k_center_inputs,
                                                     greedy_farthest_first,
                                                     nearest_center_sq_distances)

SAMPLING_MODES = ('power', 'softmax', 'softrank')


def check_sampling(mode, beta):
    """Raise a clear error for a sampling law that :func:`stochastic_top_k` cannot draw."""
    if mode not in SAMPLING_MODES:
        raise ValueError(f'sampling mode must be one of {SAMPLING_MODES}, got {mode!r}')
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not (
            math.isfinite(beta) and beta >= 0):
        raise ValueError(f'sampling beta must be a finite number >= 0 (0: uniform, larger: '
                         f'closer to top-k), got {beta!r}')


def sampling_log_weights(scores, mode='power', beta=1.0):
    """Log of each item's pick weight under a stochastic-batch law (Kirsch et al., 2023).

    ``power``: ``s^beta`` (scores must be >= 0; a score of 0 has weight 0, log
    ``-inf``, except at ``beta = 0``, where every weight is 1); ``softmax``:
    ``exp(beta * s)``; ``softrank``: ``rank^-beta`` with rank 1 the highest
    score (ties ranked by lower index first).

    Args:
        scores (Tensor): ``[N]`` finite scores, higher = more informative.
        mode (str): one of :data:`SAMPLING_MODES`.
        beta (float): coldness, >= 0.

    Returns:
        Tensor: ``[N]`` float64 log-weights (unnormalised).
    """
    check_sampling(mode, beta)
    if scores.dim() != 1 or not torch.isfinite(scores).all():
        raise ValueError(f'stochastic sampling needs a 1-D tensor of finite scores, got shape '
                         f'{tuple(scores.shape)} with {int((~torch.isfinite(scores)).sum())} '
                         'non-finite')
    scores = scores.double()
    if mode == 'power':
        if (scores < 0).any():
            raise ValueError(f"sampling mode 'power' weighs by s^beta and needs scores >= 0; "
                             f'the lowest is {float(scores.min())}. Use softmax or softrank.')
        return torch.zeros_like(scores) if beta == 0 else beta * scores.log()
    if mode == 'softmax':
        return beta * scores
    ranks = torch.empty_like(scores)
    ranks[torch.argsort(scores, descending=True, stable=True)] = torch.arange(
        1, len(scores) + 1, dtype=scores.dtype)
    return -beta * ranks.log()


def stochastic_top_k(scores, k, mode='power', beta=1.0, generator=None):
    """Sample a batch of ``k`` distinct indices instead of taking the top-k.

    Gumbel-top-k (Kool et al., 2019): perturb the log-weights of
    :func:`sampling_log_weights` with i.i.d. Gumbel noise and take the ``k``
    largest. The first index is then drawn with probability proportional to
    its weight, each later one likewise among those not yet drawn
    (Plackett-Luce), as stochastic batch acquisition prescribes (Kirsch et al.,
    TMLR 2023). ``beta = 0`` is uniform; growing ``beta`` tends to the top-k.
    Items of weight 0 (``power`` with score 0) come after all others, in
    uniformly random order among themselves. Computed in log space (float64),
    so large ``beta`` or scores do not overflow.

    Args:
        scores (Tensor): ``[N]`` finite scores, higher = more informative.
        k (int): batch size, ``0 <= k <= N``.
        mode (str): ``'power'`` (``s^beta``; scores >= 0), ``'softmax'``
            (``exp(beta * s)``) or ``'softrank'`` (``rank^-beta``).
        beta (float): coldness, >= 0.
        generator (torch.Generator, optional): CPU generator of the noise.

    Returns:
        Tensor: ``[k]`` int64 indices into ``scores``, in draw order.
    """
    log_weights = sampling_log_weights(scores, mode, beta)
    if not 0 <= k <= len(scores):
        raise ValueError(f'cannot sample k={k} of {len(scores)} scores')
    # Gumbel(0, 1) = -log(Exp(1)).
    noise = -torch.empty_like(log_weights).exponential_(generator=generator).log()
    keys = log_weights + noise
    # Sort by (key, noise): weight-0 items all have key -inf, so their noise orders them.
    by_noise = torch.argsort(noise, descending=True)
    order = by_noise[torch.argsort(keys[by_noise], descending=True, stable=True)]
    return order[:k].clone()


def badge_embeddings(probs, feats, valid=None):
    """BADGE gradient embeddings of images under a final 1x1 classifier (Ash et al., 2020).

    For each image: the gradient, with respect to the classifier's weight
    ``W[C, D]``, of its mean pixel cross-entropy over valid pixels with the
    predicted class as label. With logits ``z = W f + b`` per pixel the
    gradient is ``mean_pixels (p - onehot(argmax p)) f^T``: its norm grows with
    the model's uncertainty, its direction tells what the image would change.
    A confident image (``p`` one-hot everywhere) embeds at the origin.

    Args:
        probs (Tensor): softmax of the classifier's logits ``[N, C, h, w]``, at
            the classifier's own resolution (not resized to the input).
        feats (Tensor): the classifier's input ``[N, D, h, w]``.
        valid (Tensor, optional): bool ``[N, h, w]``; pixels that count (e.g.
            not batch padding). An image without any gets the zero embedding.

    Returns:
        Tensor: ``[N, C * D]``, class-major (entry ``c * D + d`` is ``dL/dW[c, d]``).
    """
    if probs.dim() != 4 or feats.dim() != 4 or (probs.shape[0], *probs.shape[2:]) != (
            feats.shape[0], *feats.shape[2:]):
        raise ValueError(f'badge_embeddings needs probs [N, C, h, w] and feats [N, D, h, w] of '
                         f'one N, h, w; got {tuple(probs.shape)} and {tuple(feats.shape)}')
    residual = probs.scatter_add(1, probs.argmax(1, keepdim=True),
                                 -torch.ones_like(probs[:, :1]))
    if valid is None:
        count = torch.full((probs.shape[0], ), probs.shape[2] * probs.shape[3],
                           dtype=probs.dtype, device=probs.device)
    else:
        valid = valid.to(probs.dtype)
        residual = residual * valid.unsqueeze(1)
        count = valid.flatten(1).sum(1).clamp_min(1)
    # [N, C, hw] @ [N, hw, D]: sums over pixels without an [N, C, D, hw] intermediate.
    grad = torch.bmm(residual.flatten(2), feats.flatten(2).transpose(1, 2).to(probs.dtype))
    return (grad / count[:, None, None]).flatten(1)


def kmeans_pp_seeding(points, k, centers=None, generator=None, block_size=2048):
    """k-means++ seeding (Arthur & Vassilvitskii, 2007): ``k`` indices by D² sampling.

    Each pick is drawn with probability proportional to its squared distance
    to the nearest center so far (the initial ``centers``, then the picks).
    Without initial centers the first pick is uniform. Points at distance 0
    (duplicates of a center) are never drawn while any other remains; once
    every point is covered, picks are uniform among those not yet picked, so
    indices never repeat. Memory and per-pick cost are those of
    :func:`k_center_greedy` (one mat-vec per pick), which this shares its loop with.

    Args:
        points (Tensor): ``[N, E]`` (any float dtype, any device).
        k (int): number of picks, ``0 <= k <= N``.
        centers (Tensor, optional): ``[M, E]`` initial centers (e.g. the origin).
        generator (torch.Generator, optional): CPU generator of the draws.
        block_size (int): tile side for the initial distances.

    Returns:
        Tensor: ``[k]`` int64 indices into ``points``, in pick order.
    """
    centers = points.new_empty(0, points.shape[1]) if centers is None else centers.to(points)
    check_k_center_inputs(points, centers, k)
    min_sq = nearest_center_sq_distances(points, centers, block_size)
    sq_distances_to = partial(_sq_distances_to_row, points, _sq_norms(points))
    picked, _ = greedy_farthest_first(min_sq, sq_distances_to, k,
                                      choose=partial(_d2_sample, generator=generator))
    return picked


def _d2_sample(min_sq, generator=None):
    """One index drawn with probability proportional to ``min_sq`` (picked: ``-inf``)."""
    weights = min_sq.double().cpu().clamp_min(0)
    unbounded = torch.isinf(weights)
    if unbounded.any():  # no center yet: k-means++'s uniform first pick
        weights = unbounded.double()
    elif not weights.any():  # every point covered: uniform among the rest
        weights = (min_sq > float('-inf')).double().cpu()
    return int(torch.multinomial(weights, 1, generator=generator))
