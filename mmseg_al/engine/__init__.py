# The cycle driver (mmseg_al.engine.al_loop) is imported where it is used, so building
# a hook from the registry does not pull in the driver and everything it imports.
from mmseg_al.engine.console import CycleProgressHook
from mmseg_al.engine.hooks import (ChannelsLastHook, EMATeacherHook, IterSeedHook,
                                   ResetBackboneHook)

__all__ = ['ChannelsLastHook', 'CycleProgressHook', 'EMATeacherHook', 'IterSeedHook',
           'ResetBackboneHook']
