"""A tiny DeepLabV3+, mixed batches and tiny digit-scene AL cycles for the SSL tests."""
import os.path as osp

import mmseg_al  # noqa: F401  (compat shims before mmseg)

import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes

NUM_CLASSES = 11
HEIGHT, WIDTH = 32, 64


def tiny_segmentor_cfg(dropout_ratio=0.0):
    """DeepLabV3+ on a ResNetV1c-18 with 8 base channels: ~0.3 M parameters."""
    norm_cfg = dict(type='BN', requires_grad=True)
    return ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                               seg_pad_val=255, size=(HEIGHT, WIDTH)),
        backbone=dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
                      out_indices=(0, 1, 2, 3), norm_cfg=norm_cfg),
        decode_head=dict(type='DepthwiseSeparableASPPHead', in_channels=64, in_index=3,
                         channels=16, dilations=(1, 2, 3, 4), c1_in_channels=8, c1_channels=8,
                         dropout_ratio=dropout_ratio, num_classes=NUM_CLASSES,
                         norm_cfg=norm_cfg, align_corners=False,
                         loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def make_batch(num_labeled, num_unlabeled, seed=0):
    """A dataloader-style batch: unlabeled samples carry no ``gt_sem_seg``."""
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(num_labeled + num_unlabeled):
        inputs.append(torch.randint(0, 256, (3, HEIGHT, WIDTH), generator=generator,
                                    dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=(HEIGHT, WIDTH),
                                             ori_shape=(HEIGHT, WIDTH)))
        if i < num_labeled:
            sample.gt_sem_seg = PixelData(data=torch.randint(
                0, NUM_CLASSES, (1, HEIGHT, WIDTH), generator=generator))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def train_ids(root):
    with open(osp.join(root, 'train.txt')) as f:
        return f.read().split()


def cycle_cfg(root, work_dir, labeled_ids, max_iters, checkpoint_interval=None):
    """A supervised AL cycle config (labeled view as training set), as the driver builds one."""
    pool = dict(type='DigitScenesDataset', data_root=root, ann_file='train.txt',
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                          dict(type='PackSegInputs')])
    return dict(
        default_scope='mmseg_al',
        work_dir=work_dir,
        model=tiny_segmentor_cfg(),
        train_dataloader=dict(
            batch_size=2, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=True),
            dataset=dict(type='ActiveDataset', dataset=pool, view='labeled',
                         labeled={sample_id: 0 for sample_id in labeled_ids})),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10**6),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(
            type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)),
        param_scheduler=[dict(type='PolyLR', power=0.9, eta_min=1e-4, begin=0, end=max_iters,
                              by_epoch=False)],
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=checkpoint_interval or max_iters)),
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo')),
        log_processor=dict(by_epoch=False),
        log_level='WARNING',
        randomness=dict(seed=0))


def copy_state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def make_digit_root(root):
    """Generate a 2-sequence x 4-frame digit-scene tree at 32x64 (a second or two)."""
    make_digit_scenes(root, DigitScenesSpec(
        num_train_sequences=2, train_frames_per_sequence=4, num_val_sequences=1,
        val_frames_per_sequence=2, height=HEIGHT, width=WIDTH, digit_size=(10, 14)), progress=False)
    return root
