from mmseg_al.datasets.a2d2 import A2D2Dataset
from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.datasets.cached_loading import CachedLoadAnnotations, CachedLoadImageFromFile
from mmseg_al.datasets.digit_scenes import DigitScenesDataset
from mmseg_al.datasets.preparation import DatasetNotPreparedError, check_dataset_prepared
from mmseg_al.datasets.samplers import MixedBatchSampler

__all__ = ['A2D2Dataset', 'ActiveDataset', 'CachedLoadAnnotations', 'CachedLoadImageFromFile',
           'DigitScenesDataset', 'DatasetNotPreparedError', 'MixedBatchSampler',
           'check_dataset_prepared']
