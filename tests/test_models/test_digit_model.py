"""The digit-scene DeepLabv3+ (and its MC-dropout twin) as the embedded study uses it."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_al.registry import MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_', 'models')


def _build(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = dict(type='BN')
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        return MODELS.build(cfg.model)


def _batch(num=4, height=48, width=96):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(num, 3, height, width, generator=generator)
    labels = torch.zeros(num, height, width, dtype=torch.long)
    labels[:, 10:30, 20:40] = 3  # one "digit" per image, the rest background
    samples = []
    for label in labels:
        sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        sample.set_metainfo(dict(img_shape=(height, width), pad_shape=(height, width),
                                 ori_shape=(height, width)))
        samples.append(sample)
    return inputs, samples


@pytest.mark.parametrize('name', ['deeplabv3plus_r18_digits.py', 'deeplabv3plus_r18_digits_mcd.py'])
def test_digit_model_trains_and_exposes_coreset_features(name):
    model = _build(name)
    inputs, samples = _batch()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        loss = sum(v for k, v in model.loss(inputs, samples).items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # Coreset pools the ASPP output, the head's `bottleneck` layer: 64 channels at 1/8.
    features = []
    handle = model.decode_head.bottleneck.register_forward_hook(
        lambda module, args, out: features.append(out))
    model.eval()
    with torch.no_grad():
        logits = model._forward(inputs)
    handle.remove()
    assert features[0].shape == (4, 64, 6, 12)
    assert logits.shape == (4, 11, 12, 24)


def test_mcd_twin_differs_only_by_decoder_dropout():
    plain, mcd = _build('deeplabv3plus_r18_digits.py'), _build('deeplabv3plus_r18_digits_mcd.py')
    assert plain.decode_head.dropout.p == pytest.approx(0.1)
    assert mcd.decode_head.dropout.p == pytest.approx(0.5)
    assert [n for n, _ in plain.named_parameters()] == [n for n, _ in mcd.named_parameters()]
    # BALD's MC passes: with dropout on, two passes of the MCD decoder disagree.
    inputs, _ = _batch(num=2)
    mcd.eval()
    mcd.decode_head.dropout.train()
    with torch.no_grad():
        assert not torch.allclose(mcd._forward(inputs), mcd._forward(inputs))
