"""BALD with Monte Carlo dropout in the decoder (Gal et al.; Houlsby et al.)."""
import zlib

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmseg_al.acquisition.base import ScoreAcquisition, valid_mask
from mmseg_al.acquisition.functional import mutual_information_scores, pixel_entropy
from mmseg_al.acquisition.mc_dropout import decoder_dropout_layers, mc_dropout
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class BALDAcquisition(ScoreAcquisition):
    """Top-b images by pixel-averaged mutual information over T MC-dropout passes.

    The encoder runs once per batch; only the decoder runs T times, on cached
    features repeated along the batch axis, so one call draws many independent
    dropout masks. When the only sampling layer is mmseg's standard classifier
    dropout (``BaseDecodeHead.cls_seg`` = dropout + 1x1 conv), everything before
    it is deterministic and also runs once: only dropout and classifier run T
    times. With that single dropout layer the masks, and so the scores, equal
    those of T complete forward passes; with several, batched passes draw the
    masks in another order (``samples_per_forward=1`` reproduces them). Each
    image's masks come from a generator seeded by
    (experiment seed, cycle, image path), so scores do not depend on batch
    composition, sharding or the number of processes.

    Args:
        num_samples (int): T, stochastic passes per image.
        samples_per_forward (int, optional): passes batched into one call
            (memory: this many full-resolution probability maps per image);
            default all T.
    """

    def __init__(self, num_samples=20, samples_per_forward=None):
        if num_samples < 2:
            raise ValueError(f'BALD needs num_samples >= 2 MC passes, got {num_samples}')
        if samples_per_forward is not None and samples_per_forward < 1:
            raise ValueError(f'samples_per_forward must be >= 1, got {samples_per_forward}')
        self.num_samples = num_samples
        self.samples_per_forward = samples_per_forward or num_samples
        self._seed = (0, 0)

    def check_model(self, model):
        decoder_dropout_layers(model)

    def select(self, ctx, num):
        self.check_model(ctx.model)  # fail before the pass, not inside it
        self._seed = (ctx.seed, ctx.cycle)
        return super().select(ctx, num)

    def score_batch(self, model, inputs, data_samples):
        feats = model.extract_feat(inputs)
        head = model.decode_head
        if _only_classifier_dropout(model):
            # Deterministic part of the decoder, once: the classifier's input.
            captured = []
            hook = head.dropout.register_forward_pre_hook(lambda m, args: captured.append(args[0]))
            try:
                head.forward(feats)
            finally:
                hook.remove()
            inputs_of_stochastic_part, stochastic_part = [captured[0]], _classifier(head)
        else:
            inputs_of_stochastic_part, stochastic_part = feats, head.forward
        moments = []
        with mc_dropout(model):
            for i, sample in enumerate(data_samples):
                moments.append(self.mc_moments(
                    stochastic_part, head, [f[i:i + 1] for f in inputs_of_stochastic_part],
                    sample.metainfo))
        mean_probs, mean_entropy = (torch.cat(m) for m in zip(*moments))
        return mutual_information_scores(mean_probs, mean_entropy,
                                         valid_mask(inputs, data_samples))

    def mc_moments(self, stochastic_part, head, image_feats, metainfo):
        """Mean probabilities ``[1, C, H, W]`` and mean entropy ``[1, H, W]`` of T passes.

        Args:
            stochastic_part (Callable): features -> logits, with dropout sampling.
            head (BaseDecodeHead): resizes logits to the input (``predict_by_feat``).
            image_feats (list[Tensor]): inputs of ``stochastic_part`` for one image,
                each ``[1, ...]``.
            metainfo (dict): the image's meta information.
        """
        device = image_feats[0].device
        sum_probs = sum_entropy = 0
        with torch.random.fork_rng(devices=[device] if device.type == 'cuda' else []):
            torch.manual_seed(self.image_seed(metainfo))
            for start in range(0, self.num_samples, self.samples_per_forward):
                count = min(self.samples_per_forward, self.num_samples - start)
                logits = stochastic_part([f.expand(count, *f.shape[1:]) for f in image_feats])
                logits = head.predict_by_feat(logits, [metainfo] * count)
                probs = F.softmax(logits.float(), dim=1)
                sum_probs = sum_probs + probs.sum(0, keepdim=True)
                sum_entropy = sum_entropy + pixel_entropy(probs).sum(0, keepdim=True)
        return sum_probs / self.num_samples, sum_entropy / self.num_samples

    def image_seed(self, metainfo):
        """Seed of one image's dropout masks: (experiment seed, cycle, image path)."""
        key = f'{self._seed[0]}:{self._seed[1]}:{metainfo.get("img_path", "")}'
        return zlib.crc32(key.encode())


def _only_classifier_dropout(model):
    """Whether the decoder samples only in mmseg's standard ``cls_seg`` dropout."""
    head = model.decode_head
    return (isinstance(head, BaseDecodeHead) and type(head).cls_seg is BaseDecodeHead.cls_seg
            and decoder_dropout_layers(model) == [head.dropout])


def _classifier(head):
    """``cls_seg`` on a one-element feature list (the layout ``mc_moments`` passes)."""
    return lambda feats: head.cls_seg(feats[0])
