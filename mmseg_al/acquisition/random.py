"""Random acquisition: the baseline every method must beat."""
import numpy as np

from mmseg_al.acquisition.base import BaseAcquisition, Selection
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class RandomAcquisition(BaseAcquisition):
    """Uniformly random picks, seeded by (experiment seed, cycle): same on every rank."""

    def select(self, ctx, num):
        rng = np.random.default_rng([ctx.seed, ctx.cycle])
        picked = rng.choice(len(ctx.unlabeled_ids), size=num, replace=False)
        return Selection(ids=[ctx.unlabeled_ids[i] for i in picked])
