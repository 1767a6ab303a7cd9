import itertools

import pytest
from mmengine.dataset import BaseDataset, ConcatDataset
from torch.utils.data import DataLoader

from mmseg_al.datasets import samplers
from mmseg_al.datasets.samplers import MixedBatchSampler, split_batch_size


class Items(BaseDataset):
    """``size`` items, each its own (source, position) pair."""

    def __init__(self, source, size):
        self.source, self.size = source, size
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [dict(source=self.source, position=i) for i in range(self.size)]

    def prepare_data(self, idx):
        return (self.source, idx)


def two_sources(num_labeled=5, num_unlabeled=13):
    return ConcatDataset([Items(0, num_labeled), Items(1, num_unlabeled)])


@pytest.mark.parametrize('batch_size, ratio, expected', [
    (8, [1, 1], [4, 4]), (5, [1, 1], [3, 2]), (7, [1, 2], [2, 5]), (6, [2, 4], [2, 4]),
    (3, [1, 0], [3, 0])])
def test_split_batch_size(batch_size, ratio, expected):
    assert split_batch_size(batch_size, ratio) == expected


def test_every_batch_has_the_configured_ratio_and_sources_are_covered_each_pass():
    dataset = two_sources()
    sampler = MixedBatchSampler(dataset, batch_size=6, source_ratio=[1, 2], seed=3)
    loader = DataLoader(dataset, batch_size=6, sampler=sampler, collate_fn=list)
    batches = list(itertools.islice(iter(loader), 26))
    for batch in batches:
        assert [source for source, _ in batch] == [0, 0, 1, 1, 1, 1]
    labeled = [pos for batch in batches for source, pos in batch if source == 0]
    unlabeled = [pos for batch in batches for source, pos in batch if source == 1]
    for stream, size in ((labeled, 5), (unlabeled, 13)):
        for start in range(0, len(stream) - size + 1, size):  # each pass: a permutation
            assert sorted(stream[start:start + size]) == list(range(size))
    assert labeled[:5] != labeled[5:10]  # reshuffled between passes


def test_same_seed_same_stream():
    dataset = two_sources()
    first, second = (list(itertools.islice(
        iter(MixedBatchSampler(dataset, 4, [1, 1], seed=1)), 40)) for _ in range(2))
    assert first == second


def test_ranks_split_each_pass_without_overlap(monkeypatch):
    dataset = two_sources(num_labeled=6, num_unlabeled=10)
    streams = []
    for rank in range(2):
        monkeypatch.setattr(samplers, 'get_dist_info', lambda rank=rank: (rank, 2))
        sampler = MixedBatchSampler(dataset, batch_size=4, source_ratio=[1, 1], seed=7)
        streams.append(list(itertools.islice(iter(sampler), 12)))  # 3 batches: 6 per source
    for stream in streams:  # each rank's batches keep the ratio
        for batch in zip(*[iter(stream)] * 4):
            assert [i < 6 for i in batch] == [True, True, False, False]
    # The first pass of each source is split between the two ranks, no item twice.
    labeled = [[i for i in s if i < 6][:3] for s in streams]
    assert sorted(labeled[0] + labeled[1]) == list(range(6))
    unlabeled = [[i for i in s if i >= 6][:5] for s in streams]
    assert sorted(unlabeled[0] + unlabeled[1]) == list(range(6, 16))


def test_bad_input_is_rejected():
    with pytest.raises(TypeError, match='ConcatDataset'):
        MixedBatchSampler(Items(0, 3), 2, [1, 1], seed=0)
    with pytest.raises(ValueError, match='entries'):
        MixedBatchSampler(two_sources(), 2, [1, 1, 1], seed=0)
    with pytest.raises(ValueError, match='empty'):
        MixedBatchSampler(ConcatDataset([Items(0, 3), Items(1, 0)]), 2, [1, 1], seed=0)
    with pytest.raises(ValueError, match='source_ratio'):
        split_batch_size(4, [0, 0])
