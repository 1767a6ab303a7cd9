from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.datasets.digit_scenes import DigitScenesDataset
from mmseg_al.datasets.samplers import MixedBatchSampler

__all__ = ['ActiveDataset', 'DigitScenesDataset', 'MixedBatchSampler']
