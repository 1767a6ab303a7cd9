"""End to end: SSL cycles built by ``apply_ssl`` train, never read unlabeled labels, resume."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from _tiny_ssl import cycle_cfg, train_ids
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_al.datasets.ssl_dataloader import apply_ssl
from mmseg_al.engine.al_loop import ALLoop

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
# The shipped base configs, shrunk to the tiny test model.
TINY_OVERRIDES = dict(
    s4gan=dict(model=dict(discriminator=dict(channels=(8, 8, 8, 8), dropout_ratio=0.0))),
    u2pl=dict(model=dict(rep_channels=8, memory_size=64,
                         semi_train_cfg=dict(num_queries=8, num_negatives=4))))


def ssl_block(method):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'ssl', f'{method}.py'))
    cfg.merge_from_dict(dict(ssl=TINY_OVERRIDES[method]))
    return cfg.ssl


def ssl_cycle(root, work_dir, method, max_iters, **kwargs):
    labeled = train_ids(root)[:3]
    cfg = Config(cycle_cfg(root, work_dir, labeled, max_iters, **kwargs))
    cfg.ssl = ssl_block(method)
    return apply_ssl(cfg)


@pytest.mark.slow
@pytest.mark.parametrize('method', ['s4gan', 'u2pl'])
def test_ssl_training_runs_without_unlabeled_label_files(method, digit_root, tmp_path):
    root = str(tmp_path / 'digits')
    shutil.copytree(digit_root, root)
    for sample_id in train_ids(root)[3:]:  # everything not labeled loses its label file
        os.remove(osp.join(root, 'ann_dir', 'train', sample_id + '.png'))
    runner = Runner.from_cfg(ssl_cycle(root, str(tmp_path / 'work'), method, max_iters=3))
    runner.train()
    scalars = runner.message_hub.log_scalars
    used = 'train/unsup.selected_image_frac' if method == 's4gan' else \
        'train/unsup.reliable_pixel_frac'
    assert used in scalars and 'train/unsup.loss_' + ('st' if method == 's4gan' else
                                                      'contrast') in scalars
    assert runner.model.inference_segmentor.decode_head.num_classes == 11


@pytest.mark.slow
def test_the_discriminator_follows_its_own_schedule(digit_root, tmp_path):
    """Under the digit schedule (OneCycleLR, absolute rates up to 2e-2) the s4GAN
    discriminator keeps Adam at 1e-4 with its poly decay, logged per iteration."""
    max_iters = 4
    cfg = ssl_cycle(digit_root, str(tmp_path / 'work'), 's4gan', max_iters=max_iters)
    cfg.param_scheduler.segmentor = [dict(type='OneCycleLR', eta_max=2e-2,
                                          total_steps=max_iters, by_epoch=False)]
    runner = Runner.from_cfg(cfg)
    runner.train()
    history = runner.message_hub.log_scalars
    disc_lr = history['train/discriminator.lr'].data[0]
    seg_lr = history['train/segmentor.lr'].data[0]
    # Iteration t trains at 1e-4 * (1 - t / (max_iters - 1)) ** 0.9: mmengine's PolyLR
    # reaches eta_min at its last step, end - 1.
    assert disc_lr == pytest.approx([1e-4 * (1 - t / (max_iters - 1)) ** 0.9
                                     for t in range(max_iters)])
    assert max(seg_lr) > 1e-3  # the segmentor does follow the one-cycle schedule


@pytest.mark.slow
@pytest.mark.parametrize('method', ['s4gan', 'u2pl'])
def test_resume_matches_an_uninterrupted_run(method, digit_root, tmp_path):
    uninterrupted = Runner.from_cfg(ssl_cycle(
        digit_root, str(tmp_path / 'a'), method, max_iters=4, checkpoint_interval=2))
    uninterrupted.train()
    cfg = ssl_cycle(digit_root, str(tmp_path / 'b'), method, max_iters=4,
                    checkpoint_interval=2)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'a' / 'iter_2.pth')
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    # It really resumed: its first checkpoint is the one at iteration 4.
    assert sorted(f for f in os.listdir(tmp_path / 'b') if f.endswith('.pth')) == ['iter_4.pth']
    expected, actual = uninterrupted.model.state_dict(), resumed.model.state_dict()
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    if method == 'u2pl':
        assert int(actual['train_steps']) == 4
        assert any(k.startswith('teacher.') for k in actual)


@pytest.mark.slow
@pytest.mark.parametrize('method', ['s4gan', 'u2pl'])
def test_two_acquisition_cycles_with_ssl_complete(method, digit_root, tmp_path):
    cfg = Config(cycle_cfg(digit_root, str(tmp_path / 'al'), [], max_iters=2))
    pool = cfg.train_dataloader.dataset.dataset
    cfg.train_dataloader.dataset = pool
    test_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                     dict(type='PackSegInputs')]
    cfg.merge_from_dict(dict(
        test_pipeline=test_pipeline,
        val_dataloader=dict(batch_size=2, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            dataset=dict(pool, ann_file='val.txt', pipeline=test_pipeline,
                                         data_prefix=dict(img_path='img_dir/val',
                                                          seg_map_path='ann_dir/val'))),
        val_cfg=dict(type='ValLoop'), val_evaluator=dict(type='PerClassIoUMetric'),
        active_learning=dict(initial=2, step=2, num_cycles=2, unit='images',
                             acquisition=dict(type='EntropyAcquisition'), query_batch_size=4),
        ssl=ssl_block(method)))
    results = ALLoop(cfg, seed=0).run()
    assert [c['num_labeled'] for c in results['cycles']] == [2, 4, 6]
    assert all(c['mIoU'] is not None for c in results['cycles'])
    last = tmp_path / 'al' / 'cycle_2' / 'iter_2.pth'
    keys = torch.load(last, map_location='cpu', weights_only=False)['state_dict']
    assert any(k.startswith('discriminator.' if method == 's4gan' else 'teacher.') for k in keys)


@pytest.mark.slow
def test_u2pl_trains_under_ddp(digit_root, tmp_path):
    worker = osp.join(osp.dirname(osp.abspath(__file__)), 'dist_u2pl_worker.py')
    subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                    '--nproc_per_node', '2', worker, digit_root, str(tmp_path)],
                   check=True, env=dict(os.environ, OMP_NUM_THREADS='1'), timeout=300)
    ranks = [torch.load(tmp_path / f'rank{r}.pth', weights_only=False) for r in range(2)]
    assert ranks[0]['train_steps'] == ranks[1]['train_steps'] == 3
    # Keys are gathered from both ranks before they enter the bank: one bank on both.
    assert ranks[0]['memory_filled'].sum() > 0
    assert torch.equal(ranks[0]['memory_filled'], ranks[1]['memory_filled'])
    assert torch.equal(ranks[0]['memory_bank'], ranks[1]['memory_bank'])
    # Gradients were averaged, so parameters agree exactly; BatchNorm statistics are
    # per rank (no SyncBN on CPU, buffers not broadcast), as in any CPU DDP run.
    for net in ('student', 'teacher'):
        for key, value in ranks[0][net].items():
            if not key.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
                assert torch.equal(value, ranks[1][net][key]), (net, key)
