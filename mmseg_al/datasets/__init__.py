from mmseg_al.datasets.digit_scenes import DigitScenesDataset
from mmseg_al.datasets.samplers import MixedBatchSampler

__all__ = ['DigitScenesDataset', 'MixedBatchSampler']
