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


TINY_SPEC = dict(num_train_sequences=6, train_frames_per_sequence=10, num_val_sequences=2,
                 val_frames_per_sequence=4, height=32, width=64, digit_size=(12, 16))


@pytest.fixture(scope='session')
def tiny_scenes(tmp_path_factory):
    """A tiny digit-scene tree (60 train / 8 val frames of 32x64), generated once."""
    from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes
    root = str(tmp_path_factory.mktemp('digit_scenes'))
    make_digit_scenes(root, DigitScenesSpec(**TINY_SPEC), progress=False)
    return root
