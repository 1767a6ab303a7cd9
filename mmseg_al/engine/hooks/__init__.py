from mmseg_al.engine.hooks.ema_hook import EMATeacherHook

__all__ = ['EMATeacherHook']
