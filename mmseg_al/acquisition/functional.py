"""Pure scoring maths of the acquisition functions: tensors in, tensors out.

No mmengine here, so each formula can be tested against hand-computed values.
Convention everywhere: a higher score means a more informative image.
"""
import math
from functools import partial

import torch

IGNORE_INDEX = 255


def _pixel_mean(pixel_map, valid=None):
    """Mean over pixels per image of a ``[N, H, W]`` map, over ``valid`` pixels only."""
    if valid is None:
        return pixel_map.flatten(1).mean(1)
    valid = valid.to(pixel_map.dtype)
    return (pixel_map * valid).flatten(1).sum(1) / valid.flatten(1).sum(1).clamp_min(1)


def pixel_entropy(probs, eps=1e-12):
    """Per-pixel entropy -sum_c p log p (natural log) of ``probs[..., C, H, W]``."""
    return -(probs * torch.log(probs.clamp_min(eps))).sum(-3)


def entropy_scores(probs, valid=None):
    """Mean per-pixel entropy of each image.

    Args:
        probs (Tensor): class probabilities, shape ``[N, C, H, W]``.
        valid (Tensor, optional): bool ``[N, H, W]``; pixels that count (e.g. not 255).

    Returns:
        Tensor: ``[N]`` scores in nats, between 0 and ``log(C)``.
    """
    return _pixel_mean(pixel_entropy(probs), valid)


def mutual_information_scores(mean_probs, mean_entropy, valid=None):
    """Pixel-averaged mutual information from the two moments of T MC samples.

    ``H(mean_t p_t) - mean_t H(p_t)``. Taking the moments instead of the stacked
    samples lets a caller accumulate them pass by pass, in memory independent of T.

    Args:
        mean_probs (Tensor): ``mean_t p_t``, shape ``[N, C, H, W]``.
        mean_entropy (Tensor): ``mean_t H(p_t)`` per pixel, shape ``[N, H, W]``.
        valid (Tensor, optional): bool ``[N, H, W]``; pixels that count.

    Returns:
        Tensor: ``[N]`` scores in nats, >= 0.
    """
    # Mutual information is >= 0 (Jensen); clamp only float rounding.
    pixel_mi = (pixel_entropy(mean_probs) - mean_entropy).clamp_min(0)
    return _pixel_mean(pixel_mi, valid)


def bald_scores(mc_probs, valid=None):
    """BALD: pixel-averaged mutual information between prediction and weights.

    Args:
        mc_probs (Tensor): probabilities of T stochastic passes, ``[T, N, C, H, W]``.
        valid (Tensor, optional): bool ``[N, H, W]``; pixels that count.

    Returns:
        Tensor: ``[N]`` scores in nats; 0 when all T samples agree.
    """
    if mc_probs.dim() != 5:
        raise ValueError(f'bald_scores expects mc_probs of shape [T, N, C, H, W], '
                         f'got {tuple(mc_probs.shape)}')
    return mutual_information_scores(
        mc_probs.mean(0), pixel_entropy(mc_probs).mean(0), valid)


def equal_scores(probs, probs_of_flipped, valid=None):
    """EquAL: disagreement between a prediction and that of the h-flipped image.

    The prediction of the flipped image is flipped back, so an equivariant model
    scores 0. Per pixel: total-variation distance ``0.5 * sum_c |p - flip(q)|``,
    in [0, 1].

    Args:
        probs (Tensor): probabilities for the images, ``[N, C, H, W]``.
        probs_of_flipped (Tensor): probabilities predicted for the horizontally
            flipped images, in the flipped frame, ``[N, C, H, W]``.
        valid (Tensor, optional): bool ``[N, H, W]`` in the frame of ``probs``.

    Returns:
        Tensor: ``[N]`` scores in [0, 1].
    """
    if probs.shape != probs_of_flipped.shape:
        raise ValueError(f'equal_scores needs probs and probs_of_flipped of one shape, '
                         f'got {tuple(probs.shape)} and {tuple(probs_of_flipped.shape)}')
    disagreement = 0.5 * (probs - probs_of_flipped.flip(-1)).abs().sum(-3)
    return _pixel_mean(disagreement, valid)


def equal_entropy_sum_scores(probs, probs_of_flipped, valid=None):
    """EquAL as the study's published code ranks: entropy of both views, summed.

    The study's text describes EquAL by disagreement (:func:`equal_scores`); its
    code (``query_strategies/equAL.py``) instead adds the mean pixel entropy of
    the image's prediction to that of the flipped image's prediction.

    Args:
        probs (Tensor): probabilities for the images, ``[N, C, H, W]``.
        probs_of_flipped (Tensor): probabilities predicted for the horizontally
            flipped images, in the flipped frame, ``[N, C, H, W]``.
        valid (Tensor, optional): bool ``[N, H, W]`` in the frame of ``probs``.

    Returns:
        Tensor: ``[N]`` scores in nats, between 0 and ``2 log(C)``.
    """
    if probs.shape != probs_of_flipped.shape:
        raise ValueError(f'equal_entropy_sum_scores needs probs and probs_of_flipped of one '
                         f'shape, got {tuple(probs.shape)} and {tuple(probs_of_flipped.shape)}')
    valid_flipped = None if valid is None else valid.flip(-1)
    return entropy_scores(probs, valid) + entropy_scores(probs_of_flipped, valid_flipped)


def _sq_norms(rows):
    # A norm reduction reads the rows once; rows.pow(2).sum(1) would copy them.
    return torch.linalg.vector_norm(rows, dim=1).square_()


def expansion_rounding_bound(features):
    """Relative error bound of ``||x||^2 + ||c||^2 - 2 x.c`` in the features' dtype.

    The error of the expanded form is at most about ``2 D eps (||x||^2 + ||c||^2)``
    (each of the three D-term sums is off by ``D eps`` of its size at most); a
    value within that of 0 may be an exact duplicate that cancellation left at
    e.g. 0.125 instead of 0.
    """
    return 2 * features.shape[1] * torch.finfo(features.dtype).eps


def recompute_near_zero(sq, norms_sum, points, centers, chunk_size=2048):
    """Recompute directly the expanded squared distances that rounding may keep from 0.

    ``sq[i, c]`` approximates ``||points[i] - centers[c]||^2`` as
    ``norms_sum[i, c] - 2 points[i].centers[c]``. Entries within the rounding
    bound of 0 (exact duplicates always are, and distances too small to resolve)
    are replaced, in place, by sums of squared differences, so a duplicate gets
    exactly 0. Elsewhere the expansion is kept: it costs one mat-mul. Pairs are
    recomputed ``chunk_size`` at a time, so memory stays bounded even when many are.

    Args:
        sq (Tensor): ``[N, M]`` expanded squared distances; updated in place.
        norms_sum (Tensor): ``[N, M]`` (or broadcastable) ``||x||^2 + ||c||^2``.
        points (Tensor): ``[N', D]`` rows that ``sq``'s rows index.
        centers (Tensor): ``[M', D]`` rows that ``sq``'s columns index.
        chunk_size (int): pairs recomputed at once.

    Returns:
        Tensor: ``sq``, every entry >= 0.
    """
    near = (sq <= norms_sum * expansion_rounding_bound(points)).nonzero()
    for pairs in near.split(chunk_size):
        rows, cols = pairs.unbind(1)
        # index_select, not points[rows]: on 2 busy cores advanced indexing of one row
        # of a 4,000 x 4,864 matrix took ~10 ms (index_select: 0.01 ms), once per pick.
        sq[rows, cols] = (points.index_select(0, rows)
                          - centers.index_select(0, cols)).square_().sum(1)
    return sq


def nearest_center_sq_distances(points, centers, block_size=2048):
    """Squared Euclidean distance from each point to its nearest center.

    Works in ``block_size x block_size`` tiles, so the temporary memory is bounded
    by a constant and never an ``N x M`` matrix. A point that duplicates a center
    gets exactly 0 (see :func:`recompute_near_zero`).

    Args:
        points (Tensor): ``[N, D]``.
        centers (Tensor): ``[M, D]``; ``M = 0`` gives ``inf`` everywhere.
        block_size (int): tile side.

    Returns:
        Tensor: ``[N]`` squared distances, dtype and device of ``points``.
    """
    min_sq = torch.full((points.shape[0], ), float('inf'), dtype=points.dtype,
                        device=points.device)
    center_sq = _sq_norms(centers)
    bound = expansion_rounding_bound(points)
    for start in range(0, points.shape[0], block_size):
        block = points[start:start + block_size]
        block_sq = _sq_norms(block).unsqueeze(1)
        for c_start in range(0, centers.shape[0], block_size):
            tile_centers = centers[c_start:c_start + block_size]
            tile_centers_sq = center_sq[c_start:c_start + block_size]
            tile = torch.addmm(block_sq + tile_centers_sq, block, tile_centers.T, alpha=-2)
            nearest = tile.amin(1)
            # Only a row whose minimum is within rounding of 0 can hold a duplicate;
            # checking those rows alone keeps the tile's cost one mat-mul.
            rows = (nearest <= bound * (block_sq[:, 0] + tile_centers_sq.max())).nonzero()[:, 0]
            if len(rows):
                nearest[rows] = recompute_near_zero(
                    tile[rows], block_sq[rows] + tile_centers_sq, block[rows],
                    tile_centers).amin(1)
            torch.minimum(min_sq[start:start + block_size], nearest,
                          out=min_sq[start:start + block_size])
    return min_sq


def greedy_farthest_first(min_sq, sq_distances_to, k, choose=None):
    """The k-center greedy loop over a running min-distance vector.

    Each step picks the not-yet-picked point farthest from all centers (first
    index on ties; ``choose`` replaces that rule, e.g. k-means++'s D² sampling)
    and lowers ``min_sq`` with that point's distance column, so
    it needs O(N) memory and one pass over the features per pick. A picked
    point is never picked again: once every point is covered (all remaining
    distances 0, e.g. a pool of identical frames and a budget of at least its
    distinct points), the remaining picks are the not-yet-picked points in pool
    order. Backends differ only in how they compute ``min_sq`` and the distance
    column; their float32 rounding differs, so on large pools they may order two
    points whose distances agree to ~1e-5 differently (a near-tie: same covering
    radius).

    Args:
        min_sq (Tensor): ``[N]`` squared distance of each point to its nearest
            initial center; updated in place (picked points are set to ``-inf``).
        sq_distances_to (Callable[[int], Tensor]): index ``j`` -> ``[N]`` squared
            distances (>= 0, exactly 0 for duplicates) from every point to point ``j``.
        k (int): number of picks.
        choose (Callable[[Tensor], int], optional): ``min_sq`` -> the next pick;
            picked points hold ``-inf`` there. Default: argmax (farthest first).

    Returns:
        tuple[Tensor, Tensor]: picked indices ``[k]`` (int64, in pick order) and
        covering radius ``[k + 1]``: entry ``i`` before pick ``i``, entry ``k``
        after the last pick.
    """
    picked = torch.empty(k, dtype=torch.long)
    radius_sq = torch.empty(k + 1, dtype=torch.float64)
    for i in range(k):
        j = choose(min_sq) if choose else int(torch.argmax(min_sq))
        picked[i] = j
        radius_sq[i] = float(min_sq[j])
        torch.minimum(min_sq, sq_distances_to(j), out=min_sq)
        # Below every distance, so argmax never returns j again; the radius is
        # taken over the points not picked (a center's own distance is 0).
        min_sq[j] = float('-inf')
    radius_sq[k] = max(float(min_sq.max()), 0.) if min_sq.numel() else 0.
    return picked, radius_sq.sqrt()


def k_center_greedy(unlabeled, labeled, k, block_size=2048):
    """Sener & Savarese k-center greedy: pick ``k`` unlabeled points as new centers.

    Labeled points are the initial centers. Memory beyond the features is O(Nu)
    plus one ``block_size x block_size`` tile: never an ``Nu x Nl`` matrix.
    Squared distances use ``|x|^2 - 2 x.c + |c|^2`` (one mat-vec per pick), whose
    rounding is relative to the norms: centre the features first
    (``CoresetAcquisition`` does) when points are far from the origin. Values
    within rounding of 0 are recomputed as direct differences, so a point that
    duplicates a center is at distance exactly 0. Picks are distinct; once every
    point is covered, the rest follow pool order (see :func:`greedy_farthest_first`).

    Args:
        unlabeled (Tensor): features ``[Nu, D]`` (any float dtype, any device).
        labeled (Tensor): features ``[Nl, D]``; may be empty (``Nl = 0``), then
            the first pick is index 0.
        k (int): number of picks, ``0 <= k <= Nu``.
        block_size (int): tile side for the initial distances.

    Returns:
        tuple[Tensor, Tensor]: picked unlabeled indices ``[k]`` in pick order, and
        the covering radius ``[k + 1]`` (Euclidean): before each pick, then after
        the last one.
    """
    check_k_center_inputs(unlabeled, labeled, k)
    min_sq = nearest_center_sq_distances(unlabeled, labeled.to(unlabeled), block_size)
    sq_distances_to = partial(_sq_distances_to_row, unlabeled, _sq_norms(unlabeled))
    return greedy_farthest_first(min_sq, sq_distances_to, k)


def _sq_distances_to_row(points, points_sq, j):
    """``[N]`` squared distances from every point to ``points[j]``; duplicates get 0."""
    # ||x||^2 - 2 x.c + ||c||^2: one mat-vec, i.e. one pass over the points.
    norms_sum = points_sq + points_sq[j]
    column = torch.addmv(norms_sum, points, points[j], alpha=-2)
    recompute_near_zero(column.unsqueeze(1), norms_sum.unsqueeze(1), points, points[j:j + 1])
    return column


def check_k_center_inputs(unlabeled, labeled, k):
    """Raise a clear error for features or k that k-center greedy cannot take."""
    if unlabeled.dim() != 2 or labeled.dim() != 2:
        raise ValueError(f'k-center greedy expects 2-D features [N, D], got unlabeled '
                         f'{tuple(unlabeled.shape)} and labeled {tuple(labeled.shape)}')
    if labeled.shape[0] and labeled.shape[1] != unlabeled.shape[1]:
        raise ValueError(f'unlabeled and labeled features differ in dimension: '
                         f'{unlabeled.shape[1]} vs {labeled.shape[1]}')
    if not 0 <= k <= unlabeled.shape[0]:
        raise ValueError(f'cannot pick k={k} centers from {unlabeled.shape[0]} unlabeled '
                         'points; ask for at most as many as there are')


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
