"""What every acquisition function shares: the query context, streaming, top-k.

Acquisition classes adapt a model and data loaders to the pure maths of
:mod:`mmseg_al.acquisition.functional`. Scoring streams over the unlabeled view
batch by batch and keeps one number per image, so memory does not grow with the
pool beyond the score array. Under a distributed launch each rank scores its
shard; the scores are gathered in dataset order, rank 0 selects and the
selection is broadcast, so every rank returns the same :class:`Selection`.
"""
import contextlib
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine import dist
from tqdm import tqdm

from mmseg_al.acquisition.functional import check_sampling, stochastic_top_k


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
    decision across cycles (each cycle builds its acquisition anew). ``amp``: the
    model trained with mixed precision, so its query passes may run under CUDA
    autocast too (:func:`inference_autocast`).
    """
    model: Any
    unlabeled_loader: Any
    labeled_loader: Any
    unlabeled_ids: List[str]
    labeled_ids: List[str]
    seed: int
    cycle: int
    work_dir: Optional[str] = None
    amp: bool = False


def iterate_batches(model, loader, desc):
    """Yield ``(inputs, data_samples)`` preprocessed for ``model``, with a progress bar."""
    for data in tqdm(loader, desc=desc, unit='batch', leave=False,
                     disable=dist.get_rank() != 0):
        data = model.data_preprocessor(data, False)
        yield data['inputs'], data['data_samples']


def inference_autocast(model, enabled):
    """float16 autocast for a query pass's forward calls on CUDA when ``enabled``; else nothing.

    A model trained with ``--amp`` is queried in mixed precision too (about twice the
    images per second on tensor cores). Only forward calls run inside it: every
    acquisition casts what the model returns to float32 before its maths, because
    autocast runs matrix products (distances, gradient embeddings) in float16. On
    the CPU, or with AMP off, the pass is exactly the float32 one.
    """
    if enabled and next(model.parameters()).device.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.float16)
    return contextlib.nullcontext()


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


def seeded_generator(seed, cycle):
    """A CPU ``torch.Generator`` seeded by (experiment seed, cycle): same draws on every
    rank and after a resume."""
    state = np.random.SeedSequence([seed, cycle]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


class BaseAcquisition(metaclass=ABCMeta):
    """Selects ``num`` unlabeled images; subclasses implement :meth:`select`."""

    @abstractmethod
    def select(self, ctx, num):
        """Pick ``num`` ids of ``ctx.unlabeled_ids``.

        Returns:
            Selection: identical on every rank.
        """

    def check_model(self, model):
        """Raise ValueError if the segmentor ``model`` lacks what :meth:`select` reads.

        The driver calls it on the built model before the first cycle trains, so a
        model that does not fit the acquisition is a config error, not a failure
        after a cycle of training.
        """


class SamplingOption(ABCMeta):
    """Gives every :class:`ScoreAcquisition` a ``sampling`` keyword, whatever its ``__init__``.

    Subclasses keep their own arguments (``EquALAcquisition(score=...)``) and
    need not pass this one on. The option is checked when the config is built,
    not after the scoring pass.
    """

    def __call__(cls, *args, sampling=None, **kwargs):
        acquisition = super().__call__(*args, **kwargs)
        if sampling is not None:
            sampling = dict(dict(mode='power', beta=1.0), **sampling)
            if set(sampling) != {'mode', 'beta'}:
                raise ValueError(f'sampling takes mode and beta, got {sorted(sampling)}')
            check_sampling(**sampling)
            acquisition.sampling = sampling
        return acquisition


class ScoreAcquisition(BaseAcquisition, metaclass=SamplingOption):
    """Single-sample acquisition: score every unlabeled image, take the top ``num``.

    With ``sampling=dict(mode='power' | 'softmax' | 'softrank', beta=1.0)`` (any
    subclass; see :class:`SamplingOption`) the batch is drawn instead, by
    :func:`~mmseg_al.acquisition.functional.stochastic_top_k` seeded by
    (experiment seed, cycle): stochastic batch acquisition (Kirsch et al., 2023)
    keeps the score's preference but spreads the batch over near-ties, which
    near-duplicate frames are.
    """
    sampling = None  # dict(mode, beta) when the batch is sampled

    @abstractmethod
    def score_batch(self, model, inputs, data_samples):
        """Scores ``[B]`` (higher = more informative) of one preprocessed batch.

        Runs under :func:`inference_autocast`: cast the model's outputs to float32
        (as :func:`predict_probs` does) before the maths, and keep that maths
        elementwise (autocast leaves float32 elementwise ops in float32).
        """

    @torch.no_grad()
    def score_pool(self, ctx):
        """One score per unlabeled image, in ``ctx.unlabeled_ids`` order, on every rank."""
        local = []
        for inputs, data_samples in iterate_batches(
                ctx.model, ctx.unlabeled_loader, f'scoring ({type(self).__name__})'):
            with inference_autocast(ctx.model, ctx.amp):
                batch_scores = self.score_batch(ctx.model, inputs, data_samples)
            local.extend(batch_scores.cpu().tolist())
        scores = gather_in_order(local, len(ctx.unlabeled_ids))
        if len(scores) != len(ctx.unlabeled_ids):
            raise RuntimeError(f'Scored {len(scores)} images for {len(ctx.unlabeled_ids)} '
                               'unlabeled ids; the query loader must not drop or shuffle items.')
        return scores

    def select(self, ctx, num):
        scores = self.score_pool(ctx)
        selection = None
        if dist.get_rank() == 0:
            if self.sampling:
                picked = stochastic_top_k(torch.tensor(scores, dtype=torch.float64), num,
                                          generator=seeded_generator(ctx.seed, ctx.cycle),
                                          **self.sampling).tolist()
            else:
                picked = top_k(scores, num)
            pool_scores = np.asarray(scores)
            selection = Selection(
                ids=[ctx.unlabeled_ids[i] for i in picked],
                scores=dict(zip(ctx.unlabeled_ids, scores)),
                info=dict(score_mean_pool=float(pool_scores.mean()),
                          score_mean_selected=float(pool_scores[picked].mean())))
            if self.sampling:
                selection.info['sampling'] = self.sampling
        return broadcast_selection(selection)
