"""Shared machinery of the semi-supervised segmentors: batch splitting and delegation."""
from abc import abstractmethod
from typing import NamedTuple

import torch
import torch.nn.functional as F
from mmseg.models.segmentors import BaseSegmentor
from mmseg.utils import add_prefix

# Loss-key prefixes, as in mmdet's semi-supervised detectors.
SUP_PREFIX = 'sup'
UNSUP_PREFIX = 'unsup'


class SplitBatch(NamedTuple):
    """One training batch split by whether each image carries a label.

    Attributes:
        inputs (Tensor): all images, labeled first, shape (B, 3, H, W).
        labeled_samples (list[SegDataSample]): the first ``num_labeled`` samples.
        unlabeled_samples (list[SegDataSample]): the remaining samples (no ``gt_sem_seg``).
    """
    inputs: torch.Tensor
    labeled_samples: list
    unlabeled_samples: list

    @property
    def num_labeled(self):
        return len(self.labeled_samples)


def split_labeled(inputs, data_samples):
    """Reorder a mixed batch so labeled images come first.

    An image counts as unlabeled exactly when its data sample has no
    ``gt_sem_seg``: the unlabeled view never loads a label, so the test is
    also the guarantee that no unlabeled ground truth reaches the losses.

    Args:
        inputs (Tensor): images, shape (B, 3, H, W).
        data_samples (list[SegDataSample]): one per image.

    Returns:
        SplitBatch: inputs reordered (labeled first) and the two sample lists.
    """
    labeled = [i for i, s in enumerate(data_samples) if 'gt_sem_seg' in s]
    unlabeled = [i for i, s in enumerate(data_samples) if 'gt_sem_seg' not in s]
    if not labeled or not unlabeled:
        raise ValueError(
            f'A semi-supervised training batch needs labeled and unlabeled images, got '
            f'{len(labeled)} labeled and {len(unlabeled)} unlabeled. Build the train '
            'dataloader with mmseg_al.datasets.ssl_train_dataloader (MixedBatchSampler).')
    order = torch.as_tensor(labeled + unlabeled, device=inputs.device)
    return SplitBatch(inputs[order], [data_samples[i] for i in labeled],
                      [data_samples[i] for i in unlabeled])


def decode_with_features(decode_head, feats):
    """Run a decode head and also return the input of its classifier (``conv_seg``).

    Every mmseg ``BaseDecodeHead`` ends in ``cls_seg`` -> ``conv_seg``; a temporary
    hook reads that input, so any head works without subclassing it.

    Returns:
        tuple[Tensor, Tensor]: logits (B, C, h, w) and features (B, F, h, w).
    """
    captured = []
    handle = decode_head.conv_seg.register_forward_pre_hook(
        lambda module, args: captured.append(args[0]))
    try:
        logits = decode_head(feats)
    finally:
        handle.remove()
    return logits, captured[-1]


def supervised_losses_and_logits(segmentor, batch):
    """One forward of an ``EncoderDecoder`` on the whole batch.

    The decode head runs once over labeled and unlabeled images together (one
    autograd graph, BatchNorm sees the mixed batch, as in U2PL); its labeled part
    gets the segmentor's own decode and auxiliary losses, unchanged.

    Args:
        segmentor (EncoderDecoder): the network being trained.
        batch (SplitBatch): labeled images first.

    Returns:
        tuple[dict, Tensor, Tensor]: supervised losses (prefixed ``sup.``), the
        decode head's logits for all images, (B, C, h, w) at the head's resolution,
        and the head's features before its classifier, (B, F, h, w).
    """
    feats = segmentor.extract_feat(batch.inputs)
    logits, head_features = decode_with_features(segmentor.decode_head, feats)
    num_labeled = batch.num_labeled
    losses = add_prefix(
        segmentor.decode_head.loss_by_feat(logits[:num_labeled], batch.labeled_samples),
        'decode')
    if segmentor.with_auxiliary_head:
        labeled_feats = [f[:num_labeled] for f in feats]
        heads = segmentor.auxiliary_head
        for idx, head in enumerate(heads if isinstance(heads, torch.nn.ModuleList) else [heads]):
            name = f'aux_{idx}' if isinstance(heads, torch.nn.ModuleList) else 'aux'
            losses.update(add_prefix(
                head.loss(labeled_feats, batch.labeled_samples, segmentor.train_cfg), name))
    return add_prefix(losses, SUP_PREFIX), logits, head_features


def pseudo_label_loss(decode_head, logits, labels):
    """Cross-entropy on pseudo-labels with the class weights of the head's own loss.

    Self-training must weigh classes as the supervised loss does (a plain
    cross-entropy would, e.g., undo a down-weighted background). The head's
    ``loss_by_feat`` is not used: mmseg 1.2.2's ``CrossEntropyLoss`` fails on
    ignored pixels when it has class weights, and unreliable pixels are ignored.

    Args:
        decode_head (BaseDecodeHead): gives ``class_weight`` and ``ignore_index``.
        logits (Tensor): (N, C, H, W). labels (Tensor): (N, H, W).

    Returns:
        Tensor: the class-weighted mean over the non-ignored pixels.
    """
    heads_losses = decode_head.loss_decode
    if not isinstance(heads_losses, torch.nn.ModuleList):
        heads_losses = [heads_losses]
    class_weight = next((loss.class_weight for loss in heads_losses
                         if getattr(loss, 'class_weight', None) is not None), None)
    weight = None if class_weight is None else logits.new_tensor(class_weight)
    return F.cross_entropy(logits, labels, weight=weight, ignore_index=decode_head.ignore_index)


def check_encoder_decoder(segmentor):
    """Raise if ``segmentor`` lacks what SSL training and acquisition need."""
    missing = [a for a in ('extract_feat', 'decode_head', 'encode_decode')
               if not hasattr(segmentor, a)]
    if missing:
        raise TypeError(
            f'The wrapped segmentor {type(segmentor).__name__} lacks {missing}; SSL '
            'segmentors wrap an EncoderDecoder-style model (backbone + decode_head).')


class SemiBaseSegmentor(BaseSegmentor):
    """Base of the SSL segmentors: everything but training goes to ``inference_segmentor``.

    Acquisition functions, validation and testing read the model through
    ``inference_segmentor`` (an ``EncoderDecoder``), so an SSL model is a drop-in
    replacement for a supervised one everywhere outside ``train_step``.
    """

    @property
    @abstractmethod
    def inference_segmentor(self):
        """The ``EncoderDecoder`` that predicts (and that acquisition functions read)."""

    def extract_feat(self, inputs):
        return self.inference_segmentor.extract_feat(inputs)

    def encode_decode(self, inputs, batch_img_metas):
        return self.inference_segmentor.encode_decode(inputs, batch_img_metas)

    def predict(self, inputs, data_samples=None):
        return self.inference_segmentor.predict(inputs, data_samples)

    def _forward(self, inputs, data_samples=None):
        return self.inference_segmentor._forward(inputs, data_samples)
