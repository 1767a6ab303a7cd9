import copy

import pytest
import torch
import torch.nn.functional as F
from _tiny_ssl import NUM_CLASSES, copy_state, make_batch, tiny_segmentor_cfg
from mmengine.optim import build_optim_wrapper
from mmseg.models.utils import resize

from mmseg_al.models.segmentors.s4gan import DISCRIMINATOR, SEGMENTOR
from mmseg_al.models.segmentors.semi_base import split_labeled, supervised_losses_and_logits
from mmseg_al.registry import MODELS

OPTIM = dict(constructor='MultiOptimWrapperConstructor',
             segmentor=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01)),
             discriminator=dict(type='OptimWrapper',
                                optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))


def build_s4gan(**semi_train_cfg):
    return MODELS.build(dict(
        type='S4GANSegmentor', segmentor=tiny_segmentor_cfg(),
        discriminator=dict(type='S4GANDiscriminator', channels=(8, 8, 8, 8), dropout_ratio=0.0),
        semi_train_cfg=semi_train_cfg))


def optim_with_lr(model, segmentor_lr, discriminator_lr):
    cfg = copy.deepcopy(OPTIM)
    cfg[SEGMENTOR]['optimizer']['lr'] = segmentor_lr
    cfg[DISCRIMINATOR]['optimizer']['lr'] = discriminator_lr
    return build_optim_wrapper(model, cfg)


def changed(before, module):
    return {k for k, v in module.state_dict().items()
            if v.is_floating_point() and not torch.equal(before[k], v)
            and not k.endswith(('running_mean', 'running_var'))}


def test_optimisers_own_disjoint_parameter_sets():
    model = build_s4gan()
    optim = build_optim_wrapper(model, copy.deepcopy(OPTIM))
    seg = {id(p) for g in optim[SEGMENTOR].optimizer.param_groups for p in g['params']}
    disc = {id(p) for g in optim[DISCRIMINATOR].optimizer.param_groups for p in g['params']}
    assert seg == {id(p) for p in model.segmentor.parameters()}
    assert disc == {id(p) for p in model.discriminator.parameters()}
    assert seg.isdisjoint(disc)


@pytest.mark.parametrize('frozen', [SEGMENTOR, DISCRIMINATOR])
def test_each_network_changes_only_under_its_own_optimiser(frozen):
    """With one optimiser's lr at 0, a whole train step leaves its network untouched."""
    model = build_s4gan(st_threshold=0.0)  # every unlabeled image self-trains
    model.train()
    optim = optim_with_lr(model, 0.0 if frozen == SEGMENTOR else 0.01,
                          0.0 if frozen == DISCRIMINATOR else 1e-3)
    before = {name: copy_state(getattr(model, name)) for name in (SEGMENTOR, DISCRIMINATOR)}
    log_vars = model.train_step(make_batch(2, 2), optim)
    other = DISCRIMINATOR if frozen == SEGMENTOR else SEGMENTOR
    assert not changed(before[frozen], getattr(model, frozen))
    assert changed(before[other], getattr(model, other))
    for key in ('loss', 'sup.decode.loss_ce', 'unsup.loss_fm', 'unsup.loss_st',
                'unsup.selected_image_frac', 'discriminator.loss'):
        assert torch.isfinite(torch.as_tensor(log_vars[key]))
    # The segmentor step left no gradient on the discriminator's parameters.
    assert all(p.requires_grad for p in model.discriminator.parameters())


class FixedScoreDiscriminator(torch.nn.Module):
    """Scores unlabeled maps with given values; features are the per-map mean probability."""

    def __init__(self, scores):
        super().__init__()
        self.scores = torch.tensor(scores)
        self.weight = torch.nn.Parameter(torch.zeros(()))

    def forward(self, class_maps, images):
        features = class_maps.mean(dim=(2, 3)) + self.weight
        scores = self.scores if len(class_maps) == len(self.scores) else \
            torch.ones(len(class_maps))
        return scores, features


def test_self_training_mask_follows_threshold_and_feature_matching():
    torch.manual_seed(0)
    model = build_s4gan(st_threshold=0.6, st_weight=1.0, fm_weight=0.1)
    model.discriminator = FixedScoreDiscriminator([0.9, 0.3, 0.6, 0.61])
    model.train()
    data = model.data_preprocessor(make_batch(2, 4), True)
    batch = split_labeled(data['inputs'], data['data_samples'])
    losses = model.loss(data['inputs'], data['data_samples'])

    # Independent recomputation (BN in train mode: same batch, same statistics).
    _, logits, _ = supervised_losses_and_logits(model.segmentor, batch)
    logits_u = resize(logits[2:], size=batch.inputs.shape[2:], mode='bilinear',
                      align_corners=False)
    selected = torch.tensor([True, False, False, True])  # strictly above 0.6
    expected_st = F.cross_entropy(logits_u[selected], logits_u[selected].argmax(1))
    torch.testing.assert_close(losses['unsup.loss_st'], expected_st)
    assert losses['unsup.selected_image_frac'].item() == 0.5

    gt = torch.stack([s.gt_sem_seg.data[0] for s in batch.labeled_samples])
    real = F.one_hot(gt, NUM_CLASSES).permute(0, 3, 1, 2).float().mean(dim=(2, 3))
    fake = logits_u.softmax(1).mean(dim=(2, 3))
    expected_fm = 0.1 * (real.mean(0) - fake.mean(0)).abs().mean()
    torch.testing.assert_close(losses['unsup.loss_fm'], expected_fm)


def test_no_image_selected_gives_zero_self_training_loss():
    model = build_s4gan(st_threshold=1.0)  # a sigmoid never exceeds 1
    model.train()
    data = model.data_preprocessor(make_batch(2, 2), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert losses['unsup.loss_st'].item() == 0
    assert losses['unsup.selected_image_frac'].item() == 0


def test_inference_is_exactly_the_wrapped_segmentor():
    model = build_s4gan().eval()
    assert model.inference_segmentor is model.segmentor
    data = model.data_preprocessor(make_batch(0, 2), False)
    ours = model.predict(data['inputs'], data['data_samples'])
    theirs = model.segmentor.predict(data['inputs'], data['data_samples'])
    for a, b in zip(ours, theirs):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
    torch.testing.assert_close(model._forward(data['inputs']),
                               model.segmentor._forward(data['inputs']))


def test_batch_without_unlabeled_images_is_rejected():
    model = build_s4gan().train()
    optim = build_optim_wrapper(model, copy.deepcopy(OPTIM))
    with pytest.raises(ValueError, match='labeled and unlabeled'):
        model.train_step(make_batch(3, 0), optim)
