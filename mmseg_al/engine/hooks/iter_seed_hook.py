"""Reseed the random generators at every training iteration."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from mmseg_al.registry import HOOKS


@HOOKS.register_module()
class IterSeedHook(Hook):
    """Make each iteration's randomness a function of (seed, iteration) alone.

    mmengine's resume restores weights, optimiser, scheduler and the data order,
    but not the generators consumed by dropout since the run started. Reseeding per
    iteration makes a resumed run repeat the uninterrupted one exactly (with
    dataloader workers, whose generators advance through the skipped batches).
    """
    priority = 'VERY_HIGH'

    def __init__(self, seed=0):
        self.seed = seed

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        seed = int(np.random.SeedSequence([self.seed, runner.iter]).generate_state(1)[0])
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
