from mmseg_al.acquisition.base import (AcquisitionContext, BaseAcquisition, ScoreAcquisition,
                                       Selection)
from mmseg_al.acquisition.auto import AutoAcquisition
from mmseg_al.acquisition.bald import BALDAcquisition
from mmseg_al.acquisition.coreset import CoresetAcquisition
from mmseg_al.acquisition.entropy import EntropyAcquisition
from mmseg_al.acquisition.equal import EquALAcquisition
from mmseg_al.acquisition.random import RandomAcquisition

__all__ = ['AcquisitionContext', 'BaseAcquisition', 'ScoreAcquisition', 'Selection',
           'EntropyAcquisition', 'RandomAcquisition', 'BALDAcquisition', 'CoresetAcquisition',
           'EquALAcquisition', 'AutoAcquisition']
