"""k-center greedy (Sener & Savarese) and the blocked squared distances it rests on."""
from functools import partial

import torch


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
