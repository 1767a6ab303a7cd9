"""What every acquisition function shares: the query context, streaming, top-k.

Acquisition classes adapt a model and data loaders to the pure maths of
:mod:`mmseg_al.acquisition.functional`. Scoring streams over the unlabeled view
batch by batch and keeps one number per image, so memory does not grow with the
pool beyond the score array. Under a distributed launch each rank scores its
shard; the scores are gathered in dataset order, rank 0 selects and the
selection is broadcast, so every rank returns the same :class:`Selection`.
"""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine import dist
from tqdm import tqdm


@dataclass
class Selection:
    """The ids an acquisition picked, in pick order, with what it measured."""
    ids: List[str]
    scores: dict = field(default_factory=dict)  # sample id -> score (score-based only)
    info: dict = field(default_factory=dict)  # e.g. covering radius before / after


@dataclass
class AcquisitionContext:
    """Everything a query pass may use.

    ``model`` is the segmentor to query (an SSL wrapper's ``inference_segmentor``),
    in eval mode. Loaders iterate their view in dataset order with the query
    pipeline (no labels); under a distributed launch each rank sees its shard.
    ``work_dir`` is the experiment's work dir, where an acquisition may keep a
    decision across cycles (each cycle builds its acquisition anew).
    """
    model: Any
    unlabeled_loader: Any
    labeled_loader: Any
    unlabeled_ids: List[str]
    labeled_ids: List[str]
    seed: int
    cycle: int
    work_dir: Optional[str] = None


def iterate_batches(model, loader, desc):
    """Yield ``(inputs, data_samples)`` preprocessed for ``model``, with a progress bar."""
    for data in tqdm(loader, desc=desc, unit='batch', leave=False,
                     disable=dist.get_rank() != 0):
        data = model.data_preprocessor(data, False)
        yield data['inputs'], data['data_samples']


def valid_mask(inputs, data_samples):
    """Bool ``[N, H, W]``: pixels of each image, excluding the padding of the batch."""
    valid = torch.zeros(inputs.shape[0], *inputs.shape[2:], dtype=torch.bool,
                        device=inputs.device)
    for i, sample in enumerate(data_samples):
        height, width = sample.metainfo.get('img_shape', inputs.shape[2:])[:2]
        valid[i, :height, :width] = True
    return valid


def predict_probs(model, inputs, data_samples):
    """Softmax class probabilities ``[N, C, H, W]`` of ``model`` at input resolution."""
    logits = model.encode_decode(inputs, [s.metainfo for s in data_samples])
    return F.softmax(logits.float(), dim=1)


def gather_in_order(local, size):
    """Concatenate per-rank results of a ``DefaultSampler(shuffle=False)`` shard.

    The sampler gives rank r the items r, r + W, r + 2W, ... (padded with repeats),
    so interleaving the ranks' lists restores dataset order.
    """
    if dist.get_world_size() == 1:
        return list(local)[:size]
    parts = dist.all_gather_object(list(local))
    ordered = [item for group in zip(*parts) for item in group]
    return ordered[:size]


def broadcast_selection(selection):
    """Rank 0's selection on every rank."""
    if dist.get_world_size() == 1:
        return selection
    box = [selection]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def top_k(scores, k):
    """Indices of the ``k`` highest scores; ties go to the lower index (pool order)."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return order[:k].tolist()


class BaseAcquisition(metaclass=ABCMeta):
    """Selects ``num`` unlabeled images; subclasses implement :meth:`select`.

    Attributes:
        needs_model (bool): whether the driver must provide a trained model and
            loaders (Random does not).
    """
    needs_model = True

    @abstractmethod
    def select(self, ctx, num):
        """Pick ``num`` ids of ``ctx.unlabeled_ids``.

        Returns:
            Selection: identical on every rank.
        """


class ScoreAcquisition(BaseAcquisition):
    """Single-sample acquisition: score every unlabeled image, take the top ``num``."""

    @abstractmethod
    def score_batch(self, model, inputs, data_samples):
        """Scores ``[B]`` (higher = more informative) of one preprocessed batch."""

    @torch.no_grad()
    def score_pool(self, ctx):
        """One score per unlabeled image, in ``ctx.unlabeled_ids`` order, on every rank."""
        local = []
        for inputs, data_samples in iterate_batches(
                ctx.model, ctx.unlabeled_loader, f'scoring ({type(self).__name__})'):
            local.extend(self.score_batch(ctx.model, inputs, data_samples).cpu().tolist())
        scores = gather_in_order(local, len(ctx.unlabeled_ids))
        if len(scores) != len(ctx.unlabeled_ids):
            raise RuntimeError(f'Scored {len(scores)} images for {len(ctx.unlabeled_ids)} '
                               'unlabeled ids; the query loader must not drop or shuffle items.')
        return scores

    def select(self, ctx, num):
        scores = self.score_pool(ctx)
        selection = None
        if dist.get_rank() == 0:
            picked = top_k(scores, num)
            pool_scores = np.asarray(scores)
            selection = Selection(
                ids=[ctx.unlabeled_ids[i] for i in picked],
                scores=dict(zip(ctx.unlabeled_ids, scores)),
                info=dict(score_mean_pool=float(pool_scores.mean()),
                          score_mean_selected=float(pool_scores[picked].mean())))
        return broadcast_selection(selection)
