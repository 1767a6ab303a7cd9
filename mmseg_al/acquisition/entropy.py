"""Entropy acquisition: images whose pixels the model is least sure about."""
from mmseg_al.acquisition.base import ScoreAcquisition, predict_probs, valid_mask
from mmseg_al.acquisition.functional import check_sampling, entropy_scores
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class EntropyAcquisition(ScoreAcquisition):
    """Top-b images by mean per-pixel predictive entropy (single-sample)."""

    def score_batch(self, model, inputs, data_samples):
        probs = predict_probs(model, inputs, data_samples)
        return entropy_scores(probs, valid_mask(inputs, data_samples))


@ACQUISITIONS.register_module()
class PowerEntropyAcquisition(EntropyAcquisition):
    """Entropy with a stochastic batch drawn with weights entropy^beta (baal's PowerEntropy).

    The same as ``EntropyAcquisition(sampling=dict(mode='power', beta=beta))``; a name of
    its own lets a study tag it and the recommender and ``Auto`` offer it as a candidate.
    """

    def __init__(self, beta=1.0):
        check_sampling('power', beta)
        self.sampling = dict(mode='power', beta=beta)
