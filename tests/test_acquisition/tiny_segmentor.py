"""A tiny DeepLabv3+ and in-memory query loaders for the acquisition tests.

Imported by name (pytest puts each test folder on ``sys.path``).
"""
import torch
from mmengine.config import ConfigDict
from mmengine.dataset import DefaultSampler, pseudo_collate
from mmengine.registry import DefaultScope
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader

from mmseg_al.acquisition.base import AcquisitionContext
from mmseg_al.registry import MODELS


def tiny_deeplabv3plus_cfg(num_classes=3, dropout_ratio=0.1):
    """DeepLabv3+ (ResNetV1c-18 trunk at 1/8 width) small enough for a CPU test."""
    norm_cfg = dict(type='BN', requires_grad=True)
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[128.] * 3, std=[64.] * 3,
                               bgr_to_rgb=False, pad_val=0, seg_pad_val=255),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
                      num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
                      strides=(1, 2, 1, 1), norm_cfg=norm_cfg, contract_dilation=True),
        decode_head=dict(type='DepthwiseSeparableASPPHead', in_channels=64, in_index=3,
                         channels=16, dilations=(1, 2, 3, 4), c1_in_channels=8,
                         c1_channels=4, dropout_ratio=dropout_ratio, num_classes=num_classes,
                         norm_cfg=norm_cfg, align_corners=False),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def build_segmentor(cfg, seed=0):
    """Build ``cfg`` as a Runner would (ConfigDict, mmseg scope), seeded, in eval mode."""
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        return MODELS.build(ConfigDict(cfg)).eval()


def build_tiny_model(dropout_ratio=0.1, seed=0):
    model = build_segmentor(tiny_deeplabv3plus_cfg(dropout_ratio=dropout_ratio), seed)
    # Non-trivial BN statistics, so eval-mode predictions are not all alike.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_var.uniform_(0.5, 2.0)
                module.running_mean.normal_(0, 0.1)
    return model


class ImageList(torch.utils.data.Dataset):
    """Query-pipeline items (``inputs`` uint8 ``[3, H, W]`` + meta) of random images."""

    def __init__(self, num, seed, size=(32, 48), sizes=None):
        gen = torch.Generator().manual_seed(seed)
        self.sizes = sizes or [size] * num
        self.images = [torch.randint(0, 256, (3, *s), generator=gen, dtype=torch.uint8)
                       for s in self.sizes]
        self.ids = [f'img_{seed}_{i:04d}' for i in range(num)]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        shape = tuple(self.images[idx].shape[1:])
        sample = SegDataSample(metainfo=dict(img_path=f'{self.ids[idx]}.png', ori_shape=shape,
                                             img_shape=shape, pad_shape=shape))
        return dict(inputs=self.images[idx], data_samples=sample)


def query_loader(dataset, batch_size=2):
    sampler = DefaultSampler(dataset, shuffle=False)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, collate_fn=pseudo_collate)


def make_context(model, num_unlabeled=10, num_labeled=4, seed=0, cycle=0, batch_size=2):
    unlabeled, labeled = ImageList(num_unlabeled, seed=1), ImageList(num_labeled, seed=2)
    return AcquisitionContext(model=model, unlabeled_loader=query_loader(unlabeled, batch_size),
                              labeled_loader=query_loader(labeled, batch_size),
                              unlabeled_ids=unlabeled.ids, labeled_ids=labeled.ids,
                              seed=seed, cycle=cycle)
