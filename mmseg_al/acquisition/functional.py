"""Pure scoring maths of the acquisition functions: tensors in, tensors out.

No mmengine here, so each formula can be tested against hand-computed values.
Convention everywhere: a higher score means a more informative image.
"""
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
