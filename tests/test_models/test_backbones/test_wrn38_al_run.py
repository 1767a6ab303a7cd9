"""End to end: two active-learning cycles of DeepLabv3+ WRN-38 through tools/al_train.py."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
BASES = ['configs/_base_/models/deeplabv3plus_wrn38.py',
         'configs/_base_/datasets/digit_scenes_pool11f.py',
         'configs/_base_/schedules/schedule_wrn38_10k.py',
         'configs/_base_/default_runtime.py',
         'configs/_base_/al/entropy.py']


@pytest.mark.slow
def test_two_cycles_with_entropy_on_digit_scenes(tmp_path):
    config = tmp_path / 'entropy_wrn38_digits.py'
    config.write_text(
        f'_base_ = {[osp.join(REPO, b) for b in BASES]!r}\n'
        # No ImageNet weights in CI: the backbone warns and starts from random weights.
        'model = dict(backbone=dict(allow_random_init=True),\n'
        '             data_preprocessor=dict(size_divisor=8),\n'
        '             decode_head=dict(num_classes=11))\n'
        # Tiny inputs: 32x64 instead of the scenes' 48x96.
        "resize = dict(type='Resize', scale=(64, 32), keep_ratio=False)\n"
        "train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),\n"
        "                  resize, dict(type='PackSegInputs')]\n"
        "test_pipeline = [dict(type='LoadImageFromFile'), resize, dict(type='LoadAnnotations'),\n"
        "                 dict(type='PackSegInputs')]\n"
        'train_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n'
        'val_dataloader = dict(dataset=dict(pipeline=test_pipeline))\n'
        'test_dataloader = val_dataloader\n')
    work_dir = tmp_path / 'work'
    options = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'param_scheduler.0.end=2',
               'default_hooks.checkpoint.interval=2',
               'default_hooks.checkpoint.save_optimizer=False',
               'train_dataloader.batch_size=2',
               # 16 pool images (4 + 4 labeled), 4 validation images.
               'train_dataloader.dataset.indices=16', 'val_dataloader.dataset.indices=4',
               'active_learning.unit=images', 'active_learning.initial=4',
               'active_learning.step=4', 'active_learning.num_cycles=1',
               'active_learning.report_budgets=[30]']
    # The digit scenes are generated once under the checkout's data/ and reused.
    result = subprocess.run(
        [sys.executable, 'tools/al_train.py', str(config), '--work-dir', str(work_dir),
         '--cfg-options', *options],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'random initialisation' in result.stderr + result.stdout

    results = json.loads((work_dir / 'results.json').read_text())
    assert [c['num_labeled'] for c in results['cycles']] == [4, 8]
    assert all(0.0 <= c['mIoU'] <= 100.0 for c in results['cycles'])
    checkpoints = sorted(work_dir.glob('cycle_1/**/*.pth'))
    assert checkpoints, 'the last cycle left no checkpoint'
    state_dict = torch.load(checkpoints[-1], map_location='cpu', weights_only=False)['state_dict']
    assert state_dict['backbone.mod7.block1.conv3.weight'].shape == (4096, 2048, 1, 1)
