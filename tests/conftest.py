import os
import os.path as osp

import numpy as np
import pytest
import torch

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Subprocesses (tools/*.py, torchrun) import the package from this checkout.
os.environ['PYTHONPATH'] = os.pathsep.join(
    p for p in (REPO_ROOT, os.environ.get('PYTHONPATH')) if p)


@pytest.fixture(autouse=True)
def _seed_everything():
    torch.manual_seed(0)
    np.random.seed(0)


# Slow traffic (about 1 px per frame): neighbouring frames are near-duplicates even in
# pixel space, which the redundancy-score tests rely on.
TINY_SPEC = dict(num_train_sequences=6, train_frames_per_sequence=10, num_val_sequences=2,
                 val_frames_per_sequence=4, height=32, width=64, digit_size=(12, 16),
                 lane_speed=(0.5, 1.0))


@pytest.fixture(scope='session')
def tiny_scenes(tmp_path_factory):
    """A tiny digit-scene tree (60 train / 8 val frames of 32x64), generated once."""
    from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes
    root = str(tmp_path_factory.mktemp('digit_scenes'))
    make_digit_scenes(root, DigitScenesSpec(**TINY_SPEC), progress=False)
    return root


def load_tool(name):
    """Import ``tools/<name>.py`` as a module (tools are scripts, not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        f'tools_{name}', osp.join(REPO_ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tiny_al_options(data_root, max_iters=4, num_cycles=1, num_workers=0):
    """--cfg-options that shrink a digit-scene AL config to seconds: 60-frame pool,
    6 + 6 labeled, 4 iterations per cycle, a checkpoint every 2.

    ``num_workers=1`` is for tests that compare a resumed run with an uninterrupted
    one: a worker's generator advances through the batches a resume skips, which makes
    the resumed run exact (see IterSeedHook). Without one a run starts seconds sooner.
    """
    return [
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.dataset.ann_file=train.txt',
        f'val_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2',
        f'train_dataloader.num_workers={num_workers}',
        f'train_cfg.max_iters={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        f'active_learning.num_cycles={num_cycles}',
        'active_learning.query_batch_size=8',
    ]


@pytest.fixture(scope='session')
def tool():
    """``tool(name)`` imports ``tools/<name>.py`` as a module."""
    return load_tool


@pytest.fixture(scope='session')
def al_train():
    """``tools/al_train.py``'s ``main(argv)``."""
    return load_tool('al_train').main


@pytest.fixture(scope='session')
def tiny_al_options():
    """A function (data_root, max_iters=4, num_cycles=1, num_workers=0) -> tiny --cfg-options."""
    return _tiny_al_options
