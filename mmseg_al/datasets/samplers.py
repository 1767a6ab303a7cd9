"""A sampler that mixes labeled and unlabeled images in every batch, at a fixed ratio."""
import itertools

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmseg_al.registry import DATA_SAMPLERS


def split_batch_size(batch_size, source_ratio):
    """Split ``batch_size`` into per-source counts proportional to ``source_ratio``.

    Largest-remainder rounding, so the counts always sum to ``batch_size`` and
    differ from the exact proportion by less than one image.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}.')
    if not source_ratio or any(r < 0 for r in source_ratio) or sum(source_ratio) <= 0:
        raise ValueError(
            f'source_ratio must be non-negative numbers with a positive sum, got {source_ratio}.')
    total = float(sum(source_ratio))
    exact = [batch_size * r / total for r in source_ratio]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[:batch_size - sum(counts)]:
        counts[i] += 1
    return counts


@DATA_SAMPLERS.register_module()
class MixedBatchSampler(Sampler):
    """Infinite sampler over a :class:`ConcatDataset`: each batch takes a fixed count per source.

    Semi-supervised segmentors need labeled and unlabeled images in *every*
    iteration; a plain shuffled sampler over the concatenation would give the
    labeled share only on average (and no labeled image at all in some batches
    when the pool dwarfs the labeled set). Each source is an endless stream of
    reshuffled passes; under distributed training rank ``r`` of ``W`` takes the
    items ``r, r + W, ...`` of every stream, so ranks never share an item within
    a pass. Use it with an iteration-based loop and ``batch_size`` equal to the
    dataloader's.

    Args:
        dataset (ConcatDataset): the sources, e.g. ``[labeled view, unlabeled view]``.
        batch_size (int): images per batch on each rank.
        source_ratio (Sequence[float]): relative share of each source in a batch.
        shuffle (bool): reshuffle each pass of a source. Defaults to True.
        seed (int, optional): shared across ranks; drawn and synchronised if None.
    """

    def __init__(self, dataset, batch_size, source_ratio, shuffle=True, seed=None):
        if not isinstance(dataset, ConcatDataset):
            raise TypeError('MixedBatchSampler needs a ConcatDataset of its sources, got '
                            f'{type(dataset).__name__}; set dataset=dict(type="ConcatDataset", '
                            'datasets=[...]) in the dataloader config.')
        if len(source_ratio) != len(dataset.datasets):
            raise ValueError(f'source_ratio {list(source_ratio)} has {len(source_ratio)} entries '
                             f'but the ConcatDataset has {len(dataset.datasets)} sources.')
        self.dataset = dataset
        self.batch_size = batch_size
        self.num_per_source = split_batch_size(batch_size, source_ratio)
        self.source_sizes = [len(d) for d in dataset.datasets]
        for source, (size, count) in enumerate(zip(self.source_sizes, self.num_per_source)):
            if count > 0 and size == 0:
                raise ValueError(f'source {source} of the ConcatDataset is empty but should give '
                                 f'{count} images per batch; give it a zero ratio or some data.')
        self.source_offsets = [0] + list(dataset.cumulative_sizes[:-1])
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()

    def _source_stream(self, source):
        """Endless reshuffled passes over one source, as indices local to that source."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + source)
        size = self.source_sizes[source]
        while True:
            order = (torch.randperm(size, generator=generator) if self.shuffle
                     else torch.arange(size))
            yield from order.tolist()

    def __iter__(self):
        streams = [
            itertools.islice(self._source_stream(s), self.rank, None, self.world_size)
            for s in range(len(self.source_sizes))
        ]
        while True:
            for source, count in enumerate(self.num_per_source):
                for local_index in itertools.islice(streams[source], count):
                    yield self.source_offsets[source] + local_index

    def __len__(self):
        return len(self.dataset)

    def set_epoch(self, epoch):
        """Streams never end, so there is no epoch to reseed; kept for the Sampler protocol."""
