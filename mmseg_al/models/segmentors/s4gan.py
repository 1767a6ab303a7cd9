"""s4GAN: a segmentor trained adversarially against an image-level discriminator."""
import copy

import torch
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmseg.models.utils import resize
from mmseg.utils import add_prefix

from mmseg_al.config_error import ConfigError
from mmseg_al.models.segmentors.semi_base import (UNSUP_PREFIX, SemiBaseSegmentor,
                                                  check_encoder_decoder, pseudo_label_loss,
                                                  split_labeled, supervised_losses_and_logits)
from mmseg_al.registry import MODELS

# Keys of the OptimWrapperDict; they are also the names of the two submodules.
SEGMENTOR = 'segmentor'
DISCRIMINATOR = 'discriminator'


def _set_requires_grad(module, flag):
    for param in module.parameters():
        param.requires_grad_(flag)


def _to_unit_range(images):
    """Scale each normalised image to [0, 1], as the discriminator was trained on."""
    flat = images.flatten(1)
    low = flat.min(dim=1).values.view(-1, 1, 1, 1)
    high = flat.max(dim=1).values.view(-1, 1, 1, 1)
    return (images - low) / (high - low).clamp_min(1e-6)


def _one_hot(samples, num_classes, ignore_index):
    """Stack ground truth as one-hot maps; ignored pixels are all-zero. (N, C, H, W)."""
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples]).long()
    valid = labels != ignore_index
    one_hot = F.one_hot(labels.clamp(0, num_classes - 1) * valid, num_classes)
    return (one_hot * valid[..., None]).permute(0, 3, 1, 2).float()


@MODELS.register_module()
class S4GANSegmentor(SemiBaseSegmentor):
    """s4GAN (Mittal et al., TPAMI 2019) around any ``EncoderDecoder``.

    The segmentor minimises cross-entropy on labeled images, plus a feature-matching
    loss (the discriminator's mean pooled features on predicted maps of unlabeled
    images should match those on ground-truth maps), plus self-training
    cross-entropy (the segmentor's own loss) on the unlabeled images whose predicted
    map the discriminator scores above a threshold (argmax pseudo-labels). The discriminator learns BCE
    real (ground truth) vs fake (prediction). Each network steps under its own
    optimiser (``optim_wrapper`` is an ``OptimWrapperDict`` keyed ``segmentor`` and
    ``discriminator``). At inference the model *is* the wrapped segmentor.

    Args:
        segmentor (dict): config of the wrapped segmentor (its data_preprocessor is
            used for the whole model).
        discriminator (dict): config of the discriminator; ``in_channels`` defaults
            to the segmentor's number of classes + 3.
        semi_train_cfg (dict, optional): ``fm_weight`` (0.1), ``st_weight`` (1.0),
            ``st_threshold`` (0.6).
    """

    def __init__(self, segmentor, discriminator, semi_train_cfg=None, data_preprocessor=None,
                 init_cfg=None):
        if get_world_size() > 1:
            # mmengine's DDP wrappers cannot step two optimisers over one shared forward.
            # A ConfigError: tools print it as one line, before anything is trained.
            raise ConfigError(
                'S4GANSegmentor trains in a single process; run the -SSL experiment without '
                'torchrun, or use U2PLSegmentor, which trains under DDP.')
        segmentor = copy.deepcopy(segmentor)
        if data_preprocessor is None:
            data_preprocessor = segmentor.get('data_preprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        check_encoder_decoder(self.segmentor)
        self.num_classes = self.segmentor.decode_head.num_classes
        discriminator = copy.deepcopy(discriminator)
        discriminator.setdefault('in_channels', self.num_classes + 3)
        self.discriminator = MODELS.build(discriminator)
        cfg = semi_train_cfg or {}
        self.fm_weight = cfg.get('fm_weight', 0.1)
        self.st_weight = cfg.get('st_weight', 1.0)
        self.st_threshold = cfg.get('st_threshold', 0.6)

    @property
    def inference_segmentor(self):
        return self.segmentor

    def _real_maps_and_images(self, batch):
        """Ground-truth one-hot maps of the labeled images (Nl, C, H, W) and all images
        in [0, 1] (B, 3, H, W): what the discriminator sees besides predictions."""
        real_maps = _one_hot(batch.labeled_samples, self.num_classes,
                             self.segmentor.decode_head.ignore_index)
        return real_maps, _to_unit_range(batch.inputs)

    def _segmentor_losses(self, batch, real_maps, images):
        """Segmentor losses, and the unlabeled softmax maps the discriminator learns from.

        Returns:
            tuple[dict, Tensor]: losses (keys ``sup.*``, ``unsup.*``) and unlabeled
            probabilities at input size, (Nu, C, H, W).
        """
        losses, logits, _ = supervised_losses_and_logits(self.segmentor, batch)
        num_labeled = batch.num_labeled
        logits_u = resize(logits[num_labeled:], size=batch.inputs.shape[2:], mode='bilinear',
                          align_corners=self.segmentor.align_corners)
        probs_u = logits_u.softmax(dim=1)

        score_fake, feat_fake = self.discriminator(probs_u, images[num_labeled:])
        _, feat_real = self.discriminator(real_maps, images[:num_labeled])
        loss_fm = (feat_real.mean(dim=0) - feat_fake.mean(dim=0)).abs().mean()

        selected = score_fake.detach() > self.st_threshold
        pseudo_labels = logits_u.detach().argmax(dim=1)
        if selected.any():
            loss_st = pseudo_label_loss(self.segmentor.decode_head, logits_u[selected],
                                        pseudo_labels[selected])
        else:
            loss_st = logits_u.sum() * 0  # keeps the graph identical across iterations
        losses.update(add_prefix(dict(
            loss_fm=self.fm_weight * loss_fm,
            loss_st=self.st_weight * loss_st,
            # What a user checks to see SSL at work: the share of unlabeled images
            # (and so of unlabeled pixels: the mask is image-level) trained on.
            selected_image_frac=selected.float().mean(),
            disc_score_fake=score_fake.detach().mean()), UNSUP_PREFIX))
        return losses, probs_u

    def _discriminator_losses(self, probs_u, real_maps, images):
        """BCE of the discriminator: ground-truth maps are real, predictions fake."""
        num_labeled = len(real_maps)
        score_real, _ = self.discriminator(real_maps, images[:num_labeled])
        score_fake, _ = self.discriminator(probs_u.detach(), images[num_labeled:])
        loss_real = F.binary_cross_entropy(score_real, torch.ones_like(score_real))
        loss_fake = F.binary_cross_entropy(score_fake, torch.zeros_like(score_fake))
        return add_prefix(dict(loss=(loss_real + loss_fake) / 2, score_real=score_real.mean()),
                          DISCRIMINATOR)

    def loss(self, inputs, data_samples):
        """Losses of the segmentor step (what the segmentor's optimiser minimises)."""
        batch = split_labeled(inputs, data_samples)
        return self._segmentor_losses(batch, *self._real_maps_and_images(batch))[0]

    def train_step(self, data, optim_wrapper):
        """One segmentor step, then one discriminator step, each under its own optimiser.

        Args:
            data (dict): a mixed batch from the dataloader.
            optim_wrapper (OptimWrapperDict): keys ``segmentor`` and ``discriminator``.

        Returns:
            dict[str, Tensor]: log variables of both steps.
        """
        data = self.data_preprocessor(data, True)
        batch = split_labeled(data['inputs'], data['data_samples'])
        real_maps, images = self._real_maps_and_images(batch)

        seg_optim = optim_wrapper[SEGMENTOR]
        with seg_optim.optim_context(self.segmentor):
            # Gradients flow *through* the discriminator into the segmentor but
            # must not accumulate on the discriminator's own parameters.
            _set_requires_grad(self.discriminator, False)
            losses, probs_u = self._segmentor_losses(batch, real_maps, images)
            seg_loss, log_vars = self.parse_losses(losses)
        seg_optim.update_params(seg_loss)
        _set_requires_grad(self.discriminator, True)

        disc_optim = optim_wrapper[DISCRIMINATOR]
        with disc_optim.optim_context(self.discriminator):
            disc_losses = self._discriminator_losses(probs_u, real_maps, images)
            disc_loss, disc_log_vars = self.parse_losses(disc_losses)
        disc_optim.update_params(disc_loss)
        disc_log_vars.pop('loss')
        log_vars.update(disc_log_vars)
        return log_vars
