from mmseg_al.engine.hooks.acquisition_hook import AcquisitionHook
from mmseg_al.engine.hooks.ema_hook import EMATeacherHook
from mmseg_al.engine.hooks.iter_seed_hook import IterSeedHook

__all__ = ['AcquisitionHook', 'EMATeacherHook', 'IterSeedHook']
