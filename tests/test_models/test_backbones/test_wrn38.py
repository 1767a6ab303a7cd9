"""WideResNet38 against the public WRN-38's published facts, plus the full DeepLabv3+.

Shape and parameter facts are checked on the meta device (no memory, no compute);
the real-width model is built once per module for the forward, loading and
training tests.
"""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_al.models.backbones import WideResNet38
from mmseg_al.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
MODEL_CFG = osp.join(REPO, 'configs/_base_/models/deeplabv3plus_wrn38.py')
MCD_CFG = osp.join(REPO, 'configs/_base_/models/deeplabv3plus_wrn38_mcd.py')
SCHEDULE_CFG = osp.join(REPO, 'configs/_base_/schedules/schedule_wrn38_10k.py')

# The public WRN-38 (PAPER.md): stem conv 64, then mod2 ... mod7.
STAGE_CHANNELS = (64, 128, 256, 512, 1024, 2048, 4096)
STAGE_STRIDES = (1, 2, 4, 8, 8, 8, 8)
TRUNK_PARAMETERS = 105_062_720


def _meta_backbone(**kwargs):
    with torch.device('meta'):
        return WideResNet38(**kwargs)


def _public_wrn38_parameter_count():
    """Count the public trunk's parameters from its published layout, by hand."""
    def conv(k, cin, cout):
        return k * k * cin * cout

    def bn(c):
        return 2 * c  # weight and bias

    # (block conv channels, number of blocks) of mod2 ... mod7.
    modules = [((128, 128), 3), ((256, 256), 3), ((512, 512), 6), ((512, 1024), 3),
               ((512, 1024, 2048), 1), ((1024, 2048, 4096), 1)]
    total = conv(3, 3, 64)
    cin = 64
    for channels, blocks in modules:
        for _ in range(blocks):
            total += bn(cin)
            if len(channels) == 2:
                total += (conv(3, cin, channels[0]) + bn(channels[0])
                          + conv(3, channels[0], channels[1]))
            else:
                total += (conv(1, cin, channels[0]) + bn(channels[0])
                          + conv(3, channels[0], channels[1]) + bn(channels[1])
                          + conv(1, channels[1], channels[2]))
            if cin != channels[-1]:  # projection shortcut
                total += conv(1, cin, channels[-1])
            cin = channels[-1]
    return total


def test_parameter_count_matches_public_trunk():
    backbone = _meta_backbone()
    count = sum(p.numel() for p in backbone.parameters())
    assert _public_wrn38_parameter_count() == TRUNK_PARAMETERS
    assert count == TRUNK_PARAMETERS


@pytest.mark.parametrize('size', [(256, 512), (321, 321)])
def test_stage_shapes_and_strides_at_study_crops(size):
    backbone = _meta_backbone(out_indices=range(7))
    outs = backbone(torch.empty(2, 3, *size, device='meta'))
    assert len(outs) == 7
    for out, channels, stride in zip(outs, STAGE_CHANNELS, STAGE_STRIDES):
        # Every downsampling (max-pool 3/2/1, strided 3x3 or 1x1 conv) rounds up.
        expected = (2, channels, -(-size[0] // stride), -(-size[1] // stride))
        assert tuple(out.shape) == expected
    if size == (321, 321):
        assert outs[-1].shape[-2:] == (41, 41)


def test_dilation_and_dropout_layout():
    backbone = _meta_backbone()
    for name, dilation in [('mod2', 1), ('mod3', 1), ('mod4', 1), ('mod5', 2), ('mod6', 4),
                           ('mod7', 4)]:
        for block in getattr(backbone, name):
            assert block.conv2.dilation == (dilation, dilation)
    assert backbone.mod4.block1.conv1.stride == (2, 2)
    dropouts = {name: [m.p for m in getattr(backbone, name).modules()
                       if isinstance(m, nn.Dropout2d)]
                for name in backbone.stage_names}
    assert dropouts == dict(mod1=[], mod2=[], mod3=[], mod4=[], mod5=[], mod6=[0.3], mod7=[0.5])


def test_frozen_stages_stop_grad_and_keep_norm_statistics():
    backbone = _meta_backbone(frozen_stages=2)
    backbone.train()
    for name in ('mod1', 'mod2', 'mod3'):
        assert not any(p.requires_grad for p in getattr(backbone, name).parameters())
    assert not backbone.mod3.block3.bn1.training
    assert all(p.requires_grad for p in backbone.mod4.parameters())
    assert backbone.mod4.block1.bn1.training


@pytest.mark.parametrize('kwargs', [dict(out_indices=(7,)), dict(out_indices=()),
                                    dict(frozen_stages=7)])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='WideResNet38'):
        _meta_backbone(**kwargs)


def test_missing_pretrained_file_names_the_converter(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(BaseModule, 'init_weights', lambda self: calls.append(self.init_cfg))
    missing = str(tmp_path / 'wrn38_imagenet.pth')
    backbone = _meta_backbone(init_cfg=dict(type='Pretrained', checkpoint=missing))
    with pytest.raises(FileNotFoundError, match='tools/convert_wrn38.py') as error:
        backbone.init_weights()
    assert missing in str(error.value) and calls == []

    backbone = _meta_backbone(pretrained=missing, allow_random_init=True)
    with pytest.warns(UserWarning, match='random initialisation'):
        backbone.init_weights()
    assert calls == [WideResNet38._random_init_cfg()]


def test_pretrained_and_init_cfg_are_exclusive():
    expected = dict(type='Pretrained', checkpoint='a.pth')
    assert _meta_backbone(pretrained='a.pth').init_cfg == expected
    with pytest.raises(ValueError, match='either'):
        _meta_backbone(pretrained='a.pth', init_cfg=dict(type='Pretrained', checkpoint='b.pth'))


@pytest.fixture(scope='module')
def segmentor():
    """The full DeepLabv3+ WRN-38 from the config, built once (about 140M parameters)."""
    init_default_scope('mmseg_al')
    cfg = Config.fromfile(MODEL_CFG)
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.num_classes = 4
    cfg.model.data_preprocessor.size = (32, 64)  # a dataset config's crop size
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def test_forward_returns_configured_stages(segmentor):
    segmentor.eval()
    with torch.no_grad():
        low_level, last = segmentor.backbone(torch.randn(1, 3, 32, 64))
        logits = segmentor._forward(torch.randn(1, 3, 32, 64))
    assert low_level.shape == (1, 128, 16, 32)
    assert last.shape == (1, 4096, 4, 8)
    assert logits.shape == (1, 4, 16, 32)


def test_pretrained_checkpoint_loads_every_tensor(segmentor, tmp_path):
    backbone = segmentor.backbone
    original = {k: v.clone() for k, v in backbone.state_dict().items()}
    shifted = {k: v + 7 if not v.is_floating_point() else v + 0.01 for k, v in original.items()}
    path = str(tmp_path / 'wrn38_imagenet.pth')
    torch.save(dict(state_dict=shifted), path)
    backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    try:
        backbone.init_weights()
        loaded = backbone.state_dict()
        assert loaded.keys() == shifted.keys()
        for key, value in shifted.items():
            assert torch.equal(loaded[key], value), key
    finally:
        backbone.load_state_dict(original)


def test_mcd_config_adds_decoder_dropout_only_there():
    init_default_scope('mmseg_al')

    def dropout_ratios(path):
        with torch.device('meta'):
            head = MODELS.build(Config.fromfile(path).model.decode_head)
        return [m.p for m in head.modules() if isinstance(m, nn.Dropout2d)]

    assert dropout_ratios(MODEL_CFG) == []
    assert dropout_ratios(MCD_CFG) == [0.5, 0.5, 0.5]


def test_one_training_step_with_study_optimiser(segmentor):
    """One SGD step through data preprocessing, loss and the 10x head learning rate."""
    optim_wrapper = build_optim_wrapper(segmentor, Config.fromfile(SCHEDULE_CFG).optim_wrapper)
    lrs = {}
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            lrs[id(param)] = group['lr']
    assert lrs[id(segmentor.backbone.mod1.conv1.weight)] == pytest.approx(1e-3)
    assert lrs[id(segmentor.decode_head.conv_seg.weight)] == pytest.approx(1e-2)
    assert lrs[id(segmentor.decode_head.bottleneck.conv.weight)] == pytest.approx(1e-2)

    samples = []
    for _ in range(2):
        label = torch.randint(0, 4, (1, 32, 64))
        label[:, :, :8] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(32, 64), ori_shape=(32, 64)))
        samples.append(sample)
    data = dict(inputs=[torch.randint(0, 256, (3, 32, 64), dtype=torch.uint8) for _ in range(2)],
                data_samples=samples)
    watched = [segmentor.backbone.mod1.conv1.weight, segmentor.backbone.mod7.block1.conv3.weight,
               segmentor.decode_head.conv_seg.weight]
    before = [p.detach().clone() for p in watched]
    segmentor.train()
    log_vars = segmentor.train_step(data, optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert 'decode.loss_ce' in log_vars
    for param, old in zip(watched, before):
        assert not torch.equal(param.detach(), old)
