"""The oracle of simulated AL: every pool image's label exists already."""
import numpy as np


class DatasetOracle:
    """Labels come from the dataset: a chosen batch is labeled the moment it is chosen."""

    def initial_ids(self, pool, num_initial, seed):
        """A seeded random initial set of ``num_initial`` ids, in pool order."""
        picked = np.random.default_rng(seed).choice(
            len(pool.pool_ids), size=num_initial, replace=False)
        return [pool.pool_ids[i] for i in sorted(picked)]

    def request(self, cycle, selection, trained_runner, state):
        """The ids labeled for the batch ``selection`` chose: all of them, now."""
        return selection['ids']
