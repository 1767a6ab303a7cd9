# The cycle driver (mmseg_al.engine.al_loop) is imported where it is used; importing
# it here would make every dataset import pull in the whole engine.
from mmseg_al.engine.hooks import AcquisitionHook, EMATeacherHook, IterSeedHook

__all__ = ['AcquisitionHook', 'EMATeacherHook', 'IterSeedHook']
