from mmseg_al.acquisition.base import (AcquisitionContext, BaseAcquisition, ScoreAcquisition,
                                       Selection)
from mmseg_al.acquisition.entropy import EntropyAcquisition
from mmseg_al.acquisition.random import RandomAcquisition

__all__ = ['AcquisitionContext', 'BaseAcquisition', 'ScoreAcquisition', 'Selection',
           'EntropyAcquisition', 'RandomAcquisition']
