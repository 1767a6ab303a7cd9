"""EquAL: flip-equivariance disagreement (Golestaneh & Kitani, CVPR 2020)."""
import torch

from mmseg_al.acquisition.base import ScoreAcquisition, predict_probs, valid_mask
from mmseg_al.acquisition.functional import equal_entropy_sum_scores, equal_scores
from mmseg_al.registry import ACQUISITIONS

# The study's text (default) and its published code.
SCORES = dict(disagreement=equal_scores, entropy_sum=equal_entropy_sum_scores)


@ACQUISITIONS.register_module()
class EquALAcquisition(ScoreAcquisition):
    """Top-b images by how much the prediction changes under a horizontal flip.

    The flipped image's prediction is flipped back and compared pixel by pixel
    with the image's own prediction; a flip-equivariant model scores 0. This is
    a consistency score, not an entropy. Each image is flipped within its own
    width, so batch padding stays on the right and never enters the score.

    Args:
        score (str): ``'disagreement'`` (default; the study's text, the score
            above) or ``'entropy_sum'`` (the study's published code: mean pixel
            entropy of the prediction plus that of the flipped image's
            prediction), to reproduce either.
    """

    def __init__(self, score='disagreement'):
        if score not in SCORES:
            raise ValueError(f'EquAL score must be one of {tuple(SCORES)}, got {score!r}')
        self.score = score

    def score_batch(self, model, inputs, data_samples):
        valid = valid_mask(inputs, data_samples)
        heights = valid.any(2).sum(1).tolist()
        widths = valid.any(1).sum(1).tolist()
        flipped = inputs.clone()
        for i, width in enumerate(widths):
            flipped[i, ..., :width] = inputs[i, ..., :width].flip(-1)
        probs = predict_probs(model, inputs, data_samples)
        probs_of_flipped = predict_probs(model, flipped, data_samples)
        scores = SCORES[self.score]
        return torch.cat([
            scores(probs[i:i + 1, :, :h, :w], probs_of_flipped[i:i + 1, :, :h, :w])
            for i, (h, w) in enumerate(zip(heights, widths))
        ])
