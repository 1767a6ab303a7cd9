"""U2PL: mean-teacher self-training that also uses the unreliable pseudo-labels."""
import copy

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine import dist
from mmseg.models.utils import resize
from mmseg.utils import add_prefix
from torch import nn

from mmseg_al.models.segmentors.semi_base import (UNSUP_PREFIX, SemiBaseSegmentor, SplitBatch,
                                                  check_encoder_decoder, decode_with_features,
                                                  pseudo_label_loss, split_labeled,
                                                  supervised_losses_and_logits)
from mmseg_al.registry import MODELS

TEACHER = 'teacher'
STUDENT = 'student'
IGNORE_INDEX = 255


class _U2PLNet(nn.Module):
    """A segmentor plus the projection head whose features the contrastive loss compares."""

    def __init__(self, segmentor, rep_channels, norm_cfg):
        super().__init__()
        self.segmentor = segmentor
        head = segmentor.decode_head
        in_channels = head.conv_seg.in_channels
        self.projector = nn.Sequential(
            ConvModule(in_channels, in_channels, 1, norm_cfg=norm_cfg),
            nn.Conv2d(in_channels, rep_channels, 1))


def _entropy(probs):
    """Per-pixel entropy in nats. probs: (N, C, H, W) -> (N, H, W)."""
    return -(probs * torch.log(probs + 1e-10)).sum(dim=1)


def _cutmix(images, labels, probs, generator, area_ratio=0.5):
    """Paste a random box from the next image of the batch (U2PL's CutMix).

    The box covers ``area_ratio`` of the image; images, pseudo-labels and teacher
    probabilities are mixed with the same box, so they stay consistent.

    Args:
        images (Tensor): (N, 3, H, W). labels (Tensor): (N, H, W).
        probs (Tensor): (N, C, H, W).
        generator (torch.Generator): CPU generator the boxes are drawn from.

    Returns:
        tuple[Tensor, Tensor, Tensor]: the mixed images, labels and probabilities.
    """
    num, _, height, width = images.shape
    keep = torch.ones(num, height, width, dtype=torch.bool)
    for i in range(num):
        box_w = int(torch.randint(int(width * area_ratio) + 1, width + 1, (1, ),
                                  generator=generator))
        box_h = min(height, round(height * width * area_ratio / box_w))
        x0 = int(torch.randint(0, width - box_w + 1, (1, ), generator=generator))
        y0 = int(torch.randint(0, height - box_h + 1, (1, ), generator=generator))
        keep[i, y0:y0 + box_h, x0:x0 + box_w] = False
    keep = keep.to(images.device)
    partner = torch.roll(torch.arange(num, device=images.device), -1)
    mixed = [torch.where(keep[:, None] if t.dim() == 4 else keep, t, t[partner])
             for t in (images, labels, probs)]
    return tuple(mixed)


def reliable_pseudo_labels(pseudo_labels, teacher_entropy, reliable_percent):
    """Keep the ``reliable_percent`` % lowest-entropy pseudo-labels; the rest become 255.

    Args:
        pseudo_labels (Tensor): teacher argmax, (N, H, W).
        teacher_entropy (Tensor): teacher per-pixel entropy, (N, H, W).
        reliable_percent (float): share of pixels (in %) kept, lowest entropy first.

    Returns:
        tuple[Tensor, Tensor]: the targets (N, H, W) and the fraction of pixels kept.
    """
    threshold = torch.quantile(teacher_entropy.flatten().float(), reliable_percent / 100.0)
    reliable = teacher_entropy <= threshold
    targets = torch.where(reliable, pseudo_labels, torch.full_like(pseudo_labels, IGNORE_INDEX))
    return targets, reliable.float().mean()


def rescaled_pseudo_label_loss(decode_head, logits, targets):
    """U2PL's unsupervised loss: the pseudo-label loss times all pixels / kept pixels.

    U2PL's ``compute_unsupervised_loss`` multiplies the mean over the kept
    (reliable) pixels by ``B * H * W / #kept``: 1.25x while 80 % are kept, 1.0x
    once all are.

    Args:
        decode_head (BaseDecodeHead): gives class weights and ``ignore_index``
            (see :func:`pseudo_label_loss`).
        logits (Tensor): (N, C, H, W). targets (Tensor): (N, H, W), unreliable
            pixels set to ``ignore_index``.

    Returns:
        Tensor: the rescaled loss.
    """
    kept = (targets != decode_head.ignore_index).sum().clamp_min(1)
    return pseudo_label_loss(decode_head, logits, targets) * (targets.numel() / kept)


def gather_from_all_ranks(keys_per_class):
    """Every rank's keys of each class, concatenated in rank order (as U2PL gathers).

    Two all-gathers (counts, then the keys padded to the longest rank), so each
    rank ends with the same list. In one process the input comes back as it is.

    Args:
        keys_per_class (list[Tensor]): per class, this rank's keys ``(K_c, D)``.

    Returns:
        list[Tensor]: per class, ``(sum over ranks of K_c, D)``.
    """
    if dist.get_world_size() == 1:
        return keys_per_class
    local = torch.cat(keys_per_class)
    counts = torch.tensor([len(k) for k in keys_per_class], device=local.device)
    counts_per_rank = dist.all_gather(counts)
    padded = local.new_zeros(max(int(c.sum()) for c in counts_per_rank), local.shape[1])
    padded[:len(local)] = local
    gathered = [[] for _ in keys_per_class]
    for rank_counts, rank_keys in zip(counts_per_rank, dist.all_gather(padded)):
        offsets = [0, *rank_counts.cumsum(0).tolist()]
        for cls, parts in enumerate(gathered):
            parts.append(rank_keys[offsets[cls]:offsets[cls + 1]])
    return [torch.cat(parts) for parts in gathered]


@MODELS.register_module()
class U2PLSegmentor(SemiBaseSegmentor):
    """U2PL (Wang et al., CVPR 2022) around any ``EncoderDecoder``.

    A student is trained with (1) the wrapped segmentor's supervised losses,
    (2) the segmentor's own loss on the teacher's reliable (low-entropy) pseudo-labels of
    CutMix-ed unlabeled images, and (3) a pixel contrastive loss: for every class,
    anchors are confident student features, the positive is the teacher's class
    prototype, and the negatives come from a per-class memory bank filled with
    teacher features of pixels where that class is a *plausible but wrong* answer
    (unreliable unlabeled pixels with the class ranked ``low_rank``..``high_rank``,
    labeled pixels with it ranked in the top ``low_rank`` but not true). Under DDP
    the keys of all ranks are gathered before they enter the bank, as in U2PL, so
    every rank holds the same bank. The pseudo-label loss is U2PL's: the mean over
    reliable pixels times all / reliable pixels (``rescale_pseudo_loss=False``
    gives the plain mean). The teacher is the EMA of the student, updated by
    ``EMATeacherHook``. Schedules follow the original: the reliable share grows
    from ``reliable_percent`` to 100 % and the entropy quantile
    ``low_entropy_percent`` shrinks to 0 over ``total_iters``. All randomness
    comes from a generator seeded by the step counter, so a resumed run matches
    an uninterrupted one.

    Args:
        segmentor (dict): config of the wrapped segmentor.
        semi_train_cfg (dict): ``total_iters`` (required), ``sup_only_iters`` (0; pair it
            with ``EMATeacherHook(start_iter=...)``), ``unsup_weight`` (1.0),
            ``contrastive_weight`` (1.0), ``rescale_pseudo_loss`` (True),
            ``reliable_percent`` (80), ``low_entropy_percent`` (20), ``cutmix_prob``
            (0.5), ``class_threshold`` (0.3), ``low_rank`` (3), ``high_rank`` (20),
            ``temperature`` (0.5), ``num_queries`` (256), ``num_negatives`` (50),
            ``seed`` (0).
        semi_test_cfg (dict, optional): ``predict_on``: 'teacher' (default) or 'student'.
        rep_channels (int): width of the contrastive features. Defaults to 256.
        memory_size (int): negatives kept per class. Defaults to 30000.
    """

    def __init__(self, segmentor, semi_train_cfg, semi_test_cfg=None, rep_channels=256,
                 memory_size=30000, data_preprocessor=None, init_cfg=None):
        segmentor = copy.deepcopy(segmentor)
        if data_preprocessor is None:
            data_preprocessor = segmentor.get('data_preprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not semi_train_cfg or semi_train_cfg.get('total_iters') is None:
            raise ValueError('U2PLSegmentor needs semi_train_cfg.total_iters (the length of '
                             'training) for its threshold schedules; got '
                             f'semi_train_cfg={semi_train_cfg}.')
        self.semi_train_cfg = dict(semi_train_cfg)
        self.semi_test_cfg = dict(semi_test_cfg or {})
        predict_on = self.semi_test_cfg.get('predict_on', TEACHER)
        if predict_on not in (TEACHER, STUDENT):
            raise ValueError(f'semi_test_cfg.predict_on must be "{TEACHER}" or "{STUDENT}", '
                             f'got "{predict_on}".')
        built = MODELS.build(segmentor)
        check_encoder_decoder(built)
        norm_cfg = built.decode_head.norm_cfg or dict(type='BN')
        self.student = _U2PLNet(built, rep_channels, norm_cfg)
        self.teacher = copy.deepcopy(self.student)
        self.teacher.requires_grad_(False)
        self.num_classes = built.decode_head.num_classes
        self.register_buffer('memory_bank', torch.zeros(self.num_classes, memory_size,
                                                        rep_channels))
        self.register_buffer('memory_filled', torch.zeros(self.num_classes, dtype=torch.long))
        self.register_buffer('memory_ptr', torch.zeros(self.num_classes, dtype=torch.long))
        self.register_buffer('train_steps', torch.zeros((), dtype=torch.long))

    @property
    def inference_segmentor(self):
        predict_on = self.semi_test_cfg.get('predict_on', TEACHER)
        return getattr(self, predict_on).segmentor

    def train(self, mode=True):
        """The teacher always runs in eval mode: it is an average, never trained."""
        super().train(mode)
        self.teacher.train(False)
        return self

    def _cfg(self, key, default):
        return self.semi_train_cfg.get(key, default)

    @torch.no_grad()
    def _teacher_forward(self, inputs):
        """Teacher logits (N, C, h, w) and projected features (N, D, h, w)."""
        segmentor = self.teacher.segmentor
        logits, features = decode_with_features(segmentor.decode_head,
                                                segmentor.extract_feat(inputs))
        return logits, self.teacher.projector(features)

    def _enqueue(self, cls, keys):
        """Write ``keys`` (K, D) into class ``cls``'s ring buffer, newest overwriting oldest."""
        size = self.memory_bank.shape[1]
        keys = keys[-size:]
        slots = (self.memory_ptr[cls] + torch.arange(len(keys), device=keys.device)) % size
        self.memory_bank[cls, slots] = keys
        self.memory_ptr[cls] = (self.memory_ptr[cls] + len(keys)) % size
        self.memory_filled[cls] = torch.clamp(self.memory_filled[cls] + len(keys), max=size)

    def _enqueue_from_all_ranks(self, keys_per_class):
        """Enqueue each class's new keys of every rank, rank by rank: one bank on all ranks."""
        for cls, keys in enumerate(gather_from_all_ranks(keys_per_class)):
            self._enqueue(cls, keys)

    def _contrastive_loss(self, rep, rep_teacher, labels_onehot, probs_teacher, low_mask,
                          high_mask, num_labeled, generator):
        """U2PL's pixel contrastive loss with per-class memory banks of negatives.

        Args:
            rep (Tensor): student features, (B, D, h, w).
            rep_teacher (Tensor): teacher features, (B, D, h, w).
            labels_onehot (Tensor): ground truth (labeled) / pseudo-labels (unlabeled),
                one-hot, zeros where ignored, (B, C, h, w).
            probs_teacher (Tensor): teacher probabilities, (B, C, h, w).
            low_mask (Tensor): pixels trusted as anchors/prototypes, (B, h, w).
            high_mask (Tensor): pixels that may give negatives, (B, h, w).
            num_labeled (int): the first ``num_labeled`` images are labeled.

        Returns:
            Tensor: the loss (zero, with a graph, when fewer than two classes are present).
        """
        cfg = self._cfg
        low_rank, high_rank = cfg('low_rank', 3), cfg('high_rank', 20)
        num_queries, num_negatives = cfg('num_queries', 256), cfg('num_negatives', 50)
        rep = rep.permute(0, 2, 3, 1)
        rep_teacher = rep_teacher.permute(0, 2, 3, 1)
        ranks = probs_teacher.argsort(dim=1, descending=True).permute(0, 2, 3, 1)
        # Plausible-but-wrong pixels: a labeled pixel of another class where cls is in
        # the teacher's top low_rank, or an unlabeled one where it ranks low..high.
        # Their teacher features enter the bank of cls from every rank, as U2PL's
        # dequeue_and_enqueue gathers them; all enqueues come before any sampling.
        is_class = labels_onehot.bool()
        new_keys = []
        for cls in range(self.num_classes):
            plausible = torch.cat([
                (ranks[:num_labeled, ..., :low_rank] == cls).any(-1)
                & ~is_class[:num_labeled, cls],
                (ranks[num_labeled:, ..., low_rank:high_rank] == cls).any(-1)])
            # Only the newest memory_size keys of a rank can stay in the bank.
            new_keys.append(rep_teacher[plausible & high_mask][-self.memory_bank.shape[1]:])
        self._enqueue_from_all_ranks(new_keys)
        loss, valid_classes = rep.sum() * 0, 0
        for cls in range(self.num_classes):
            trusted = is_class[:, cls] & low_mask
            anchors = rep[trusted & (probs_teacher[:, cls] > cfg('class_threshold', 0.3))]
            if not trusted.any():
                continue
            valid_classes += 1
            filled = int(self.memory_filled[cls])
            if len(anchors) == 0 or filled == 0:
                continue
            prototype = rep_teacher[trusted].mean(dim=0)
            anchor_idx = torch.randint(len(anchors), (num_queries, ), generator=generator)
            negative_idx = torch.randint(filled, (num_queries, num_negatives), generator=generator)
            negatives = self.memory_bank[cls][negative_idx.to(rep.device)]
            keys = torch.cat([prototype.expand(num_queries, 1, -1), negatives], dim=1)
            similarity = F.cosine_similarity(anchors[anchor_idx.to(rep.device)][:, None], keys,
                                             dim=2)
            target = torch.zeros(num_queries, dtype=torch.long, device=rep.device)
            loss = loss + F.cross_entropy(similarity / cfg('temperature', 0.5), target)
        # As in U2PL: a batch with fewer than two classes has nothing to contrast.
        return loss / valid_classes if valid_classes > 1 else rep.sum() * 0

    def loss(self, inputs, data_samples):
        """Student losses on a mixed batch: supervised, reliable pseudo-labels, contrastive."""
        batch = split_labeled(inputs, data_samples)
        num_labeled = batch.num_labeled
        cfg = self._cfg
        if self.training:
            self.train_steps += 1
        progress = min(float(self.train_steps) / cfg('total_iters', None), 1.0)
        generator = torch.Generator().manual_seed(cfg('seed', 0) * 1_000_003 +
                                                  int(self.train_steps))
        size = batch.inputs.shape[2:]
        align = self.student.segmentor.align_corners

        # Pseudo-labels from the teacher on the (weak) unlabeled images, then CutMix.
        teacher_logits_u, _ = self._teacher_forward(batch.inputs[num_labeled:])
        probs_u = resize(teacher_logits_u, size, mode='bilinear', align_corners=align).softmax(1)
        images_u, pseudo_u = batch.inputs[num_labeled:], probs_u.argmax(dim=1)
        if torch.rand((), generator=generator) < cfg('cutmix_prob', 0.5):
            images_u, pseudo_u, probs_u = _cutmix(images_u, pseudo_u, probs_u, generator)
        mixed = SplitBatch(torch.cat([batch.inputs[:num_labeled], images_u]),
                           batch.labeled_samples, batch.unlabeled_samples)

        losses, logits, features = supervised_losses_and_logits(self.student.segmentor, mixed)
        rep = self.student.projector(features)
        teacher_logits, rep_teacher = self._teacher_forward(mixed.inputs)
        # Entropy from the teacher's view of the images the student actually saw.
        teacher_probs = teacher_logits.softmax(dim=1)
        entropy_u = _entropy(resize(teacher_logits[num_labeled:], size, mode='bilinear',
                                    align_corners=align).softmax(1))
        reliable_percent = 100 - (100 - cfg('reliable_percent', 80)) * (1 - progress)
        logits_u = resize(logits[num_labeled:], size, mode='bilinear', align_corners=align)
        targets_u, reliable_frac = reliable_pseudo_labels(pseudo_u, entropy_u, reliable_percent)
        pseudo_loss = (rescaled_pseudo_label_loss if cfg('rescale_pseudo_loss', True)
                       else pseudo_label_loss)
        loss_unsup = pseudo_loss(self.student.segmentor.decode_head, logits_u, targets_u)

        # Contrastive part, at the head's resolution.
        head_size = logits.shape[2:]
        gt = torch.stack([s.gt_sem_seg.data for s in batch.labeled_samples]).float()
        labels = torch.cat([
            F.interpolate(gt, head_size, mode='nearest')[:, 0].long(),
            F.interpolate(pseudo_u[:, None].float(), head_size, mode='nearest')[:, 0].long()])
        valid = labels != IGNORE_INDEX
        labels_onehot = F.one_hot(labels.clamp(0, self.num_classes - 1),
                                  self.num_classes).permute(0, 3, 1, 2) * valid[:, None]
        entropy_small = _entropy(teacher_probs[num_labeled:])
        alpha = cfg('low_entropy_percent', 20) * (1 - progress)
        low_thresh = torch.quantile(entropy_small.flatten(), alpha / 100)
        high_thresh = torch.quantile(entropy_small.flatten(), 1 - alpha / 100)
        low_mask = torch.cat([valid[:num_labeled], entropy_small <= low_thresh])
        high_mask = torch.cat([valid[:num_labeled], entropy_small >= high_thresh])
        loss_contrast = self._contrastive_loss(rep, rep_teacher, labels_onehot, teacher_probs,
                                               low_mask, high_mask, num_labeled, generator)

        # Supervised-only warm-up (U2PL's sup_only_epoch): a teacher trained from scratch
        # has nothing to teach yet, and its early guesses would be self-reinforced. The
        # unsupervised terms are weighted 0 rather than skipped: the graph stays the same.
        unsup_on = float(int(self.train_steps) > cfg('sup_only_iters', 0))
        losses.update(add_prefix(dict(
            loss_pseudo=unsup_on * cfg('unsup_weight', 1.0) * loss_unsup,
            loss_contrast=unsup_on * cfg('contrastive_weight', 1.0) * loss_contrast,
            reliable_pixel_frac=reliable_frac,
            anchor_pixel_frac=low_mask[num_labeled:].float().mean()), UNSUP_PREFIX))
        return losses
