"""Single-sample scores: entropy, BALD and EquAL, as a pixel mean per image."""
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


def _check_views(function, probs, probs_of_flipped):
    """The two EquAL views must be predictions of one shape."""
    if probs.shape != probs_of_flipped.shape:
        raise ValueError(f'{function} needs probs and probs_of_flipped of one shape, '
                         f'got {tuple(probs.shape)} and {tuple(probs_of_flipped.shape)}')


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
    _check_views('equal_scores', probs, probs_of_flipped)
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
    _check_views('equal_entropy_sum_scores', probs, probs_of_flipped)
    valid_flipped = None if valid is None else valid.flip(-1)
    return entropy_scores(probs, valid) + entropy_scores(probs_of_flipped, valid_flipped)
