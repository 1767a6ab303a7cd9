from mmseg_al.acquisition.base import (AcquisitionContext, BaseAcquisition, ScoreAcquisition,
                                       Selection)
from mmseg_al.acquisition.badge import BADGEAcquisition
from mmseg_al.acquisition.bald import BALDAcquisition
from mmseg_al.acquisition.coreset import CoresetAcquisition
from mmseg_al.acquisition.entropy import EntropyAcquisition, PowerEntropyAcquisition
from mmseg_al.acquisition.equal import EquALAcquisition
from mmseg_al.acquisition.random import RandomAcquisition
from mmseg_al.acquisition.uncertain_coreset import UncertainCoresetAcquisition

__all__ = ['AcquisitionContext', 'BaseAcquisition', 'ScoreAcquisition', 'Selection',
           'EntropyAcquisition', 'RandomAcquisition', 'BALDAcquisition', 'CoresetAcquisition',
           'EquALAcquisition', 'BADGEAcquisition', 'UncertainCoresetAcquisition',
           'PowerEntropyAcquisition']
