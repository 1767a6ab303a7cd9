from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.datasets.digit_scenes import DigitScenesDataset

__all__ = ['ActiveDataset', 'DigitScenesDataset']
