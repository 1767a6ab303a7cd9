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
