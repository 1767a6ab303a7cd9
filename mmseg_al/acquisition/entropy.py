"""Entropy acquisition: images whose pixels the model is least sure about."""
from mmseg_al.acquisition.base import ScoreAcquisition, predict_probs, valid_mask
from mmseg_al.acquisition.functional import entropy_scores
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class EntropyAcquisition(ScoreAcquisition):
    """Top-b images by mean per-pixel predictive entropy (single-sample)."""

    def score_batch(self, model, inputs, data_samples):
        probs = predict_probs(model, inputs, data_samples)
        return entropy_scores(probs, valid_mask(inputs, data_samples))
