from mmseg_al.engine.hooks.channels_last_hook import ChannelsLastHook
from mmseg_al.engine.hooks.ema_hook import EMATeacherHook
from mmseg_al.engine.hooks.iter_seed_hook import IterSeedHook
from mmseg_al.engine.hooks.reset_backbone_hook import ResetBackboneHook

__all__ = ['ChannelsLastHook', 'EMATeacherHook', 'IterSeedHook', 'ResetBackboneHook']
