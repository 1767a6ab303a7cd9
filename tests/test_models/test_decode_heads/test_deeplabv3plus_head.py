import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_al.registry import MODELS

# Tiny stand-ins for WRN-38's mod2 (stride 2) and mod7 (stride 8) outputs.
C1_IN, LAST_IN = 8, 16


def _head(**overrides):
    cfg = dict(type='DeepLabV3PlusHead', in_channels=LAST_IN, in_index=1, channels=12,
               dilations=(1, 2, 3), c1_in_channels=C1_IN, c1_channels=4, dropout_ratio=0.0,
               num_classes=5, norm_cfg=dict(type='BN'))
    cfg.update(overrides)
    return MODELS.build(cfg)


def _inputs(batch=2):
    return [torch.randn(batch, C1_IN, 16, 24), torch.randn(batch, LAST_IN, 4, 6)]


def _dropouts(module):
    return [m for m in module.modules() if isinstance(m, nn.Dropout2d)]


def test_output_at_low_level_resolution():
    logits = _head().eval()(_inputs())
    assert logits.shape == (2, 5, 16, 24)


def test_aspp_output_is_the_named_bottleneck():
    """Coreset hooks ``decode_head.bottleneck``: it must see the ASPP output."""
    head = _head().eval()
    seen = []
    head.bottleneck.register_forward_hook(lambda m, i, o: seen.append(o))
    head(_inputs())
    # ASPP: image pool + one branch per dilation, fused to `channels` at stride 8.
    assert len(head.aspp_modules) == 3
    assert head.bottleneck.conv.in_channels == 4 * 12
    assert seen[0].shape == (2, 12, 4, 6)


def test_low_level_reduction_and_decoder_widths():
    head = _head()
    assert head.c1_bottleneck.conv.in_channels == C1_IN
    assert head.c1_bottleneck.conv.out_channels == 4
    convs = [m for m in head.fuse_bottleneck if not isinstance(m, nn.Dropout2d)]
    assert [c.conv.in_channels for c in convs] == [12 + 4, 12]


def test_no_dropout_unless_asked():
    assert _dropouts(_head()) == []
    head = _head().eval()
    inputs = _inputs()
    torch.testing.assert_close(head(inputs), head(inputs))


def test_mcd_variant_dropout_only_when_switched_on():
    head = _head(decoder_dropout_ratio=0.5, dropout_ratio=0.5).eval()
    dropouts = _dropouts(head)
    # One after each decoder conv and MMSeg's before conv_seg.
    assert len(dropouts) == 3 and head.dropout in dropouts
    assert all(d.p == 0.5 for d in dropouts)
    inputs = _inputs()
    deterministic = head(inputs)
    torch.testing.assert_close(head(inputs), deterministic)
    for d in dropouts:  # what an MC-dropout sampler does at query time
        d.train()
    first, second = head(inputs), head(inputs)
    assert not torch.allclose(first, second)
    assert not torch.allclose(first, deterministic)
    for d in dropouts:
        d.eval()
    torch.testing.assert_close(head(inputs), deterministic)


@pytest.mark.parametrize('overrides', [dict(c1_in_channels=0), dict(c1_channels=-1),
                                       dict(decoder_dropout_ratio=1.0)])
def test_rejects_bad_arguments(overrides):
    with pytest.raises(ValueError, match='DeepLabV3PlusHead'):
        _head(**overrides)


def test_loss_backpropagates_to_both_inputs():
    head = _head()
    inputs = [x.requires_grad_() for x in _inputs()]
    labels = torch.randint(0, 5, (2, 32, 48))
    labels[:, :4] = 255  # ignored pixels
    samples = []
    for label in labels:
        sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        sample.set_metainfo(dict(img_shape=(32, 48), pad_shape=(32, 48)))
        samples.append(sample)
    losses = head.loss(inputs, samples, train_cfg=dict())
    losses['loss_ce'].backward()
    assert torch.isfinite(losses['loss_ce'])
    assert all(x.grad.abs().sum() > 0 for x in inputs)
