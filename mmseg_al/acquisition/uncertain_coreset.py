"""Uncertainty x diversity: Coreset among the most uncertain images."""
import dataclasses
import math

import numpy as np
from mmengine import dist

from mmseg_al.acquisition.base import BaseAcquisition, ScoreAcquisition, broadcast_selection
from mmseg_al.acquisition.coreset import CoresetAcquisition
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class UncertainCoresetAcquisition(BaseAcquisition):
    """Take the ``candidate_factor x num`` most uncertain images, then k-center greedy among them.

    Uncertainty alone fills a batch with near-duplicates (the study's mode
    collapse); Coreset alone gives up on what the model finds hard. Filtering
    by uncertainty first and then choosing a diverse subset is the recipe of
    Suggestive Annotation (Yang et al., MICCAI 2017, for segmentation: top-K
    uncertain, then the most representative among them), of Diverse mini-batch
    AL (Zhdanov, 2019: top 10x by margin, then k-means) and of Cluster-Margin
    (Citovsky et al., NeurIPS 2021: lowest-margin examples, then one per
    cluster). Here the diversity step is the study's own Coreset (Sener &
    Savarese): labeled images are the initial centers, so the batch is also
    spread away from what is already labeled. ``candidate_factor=1`` is the
    uncertainty acquisition itself; a factor as large as the pool is Coreset.
    The default, 4, sits between them and below Zhdanov's 10 (the study's
    batches are 5-10 % of the pool, so 10x would be most of it); it is not tuned.

    Costs one scoring pass plus Coreset's feature passes (unlabeled and labeled).
    ``Selection.scores`` holds the uncertainty score of every unlabeled image;
    ``info`` the candidate count and Coreset's covering radius.

    Args:
        uncertainty (dict): config of a score acquisition (``EntropyAcquisition``,
            ``BALDAcquisition``, ...), with its own options; its ``sampling``
            option, if any, draws the candidates.
        candidate_factor (float): candidates per batch slot, >= 1.
        coreset (dict): options of :class:`CoresetAcquisition` (feature layer,
            pooling, projection, backend).
    """

    def __init__(self, uncertainty=dict(type='EntropyAcquisition'), candidate_factor=4,
                 coreset=dict()):
        self.uncertainty = ACQUISITIONS.build(uncertainty)
        if not isinstance(self.uncertainty, ScoreAcquisition):
            raise ValueError(f'uncertainty must be a score acquisition (Entropy, EquAL, BALD, '
                             f'...), got {type(self.uncertainty).__name__}')
        if not (isinstance(candidate_factor, (int, float)) and candidate_factor >= 1):
            raise ValueError(f'candidate_factor must be a number >= 1, got {candidate_factor!r}')
        self.candidate_factor = candidate_factor
        self.coreset = CoresetAcquisition(**coreset)

    def check_model(self, model):
        self.uncertainty.check_model(model)
        self.coreset.check_model(model)

    def select(self, ctx, num):
        num_candidates = min(len(ctx.unlabeled_ids), math.ceil(self.candidate_factor * num))
        proposal = self.uncertainty.select(ctx, num_candidates)  # identical on every rank
        positions = dict(zip(ctx.unlabeled_ids, range(len(ctx.unlabeled_ids))))
        candidates = [positions[i] for i in proposal.ids]
        unlabeled = self.coreset.pooled_features(ctx.model, ctx.unlabeled_loader,
                                                 len(ctx.unlabeled_ids),
                                                 'coreset features (unlabeled)', ctx.amp)
        if ctx.labeled_ids:
            labeled = self.coreset.pooled_features(ctx.model, ctx.labeled_loader,
                                                   len(ctx.labeled_ids),
                                                   'coreset features (labeled)', ctx.amp)
        else:
            labeled = unlabeled.new_empty(0, unlabeled.shape[1])
        selection = None
        if dist.get_rank() == 0:
            device = next(ctx.model.parameters()).device
            selection = self.coreset.select_from_features(
                unlabeled[candidates], labeled, num,
                dataclasses.replace(ctx, unlabeled_ids=proposal.ids), device)
            scores = np.array([proposal.scores[i] for i in ctx.unlabeled_ids])
            selected = [positions[i] for i in selection.ids]
            selection.info.update(
                candidates=num_candidates, score_mean_pool=float(scores.mean()),
                score_mean_candidates=proposal.info['score_mean_selected'],
                score_mean_selected=float(scores[selected].mean()))
            if 'sampling' in proposal.info:
                selection.info['sampling'] = proposal.info['sampling']
            selection.scores = proposal.scores
        return broadcast_selection(selection)
