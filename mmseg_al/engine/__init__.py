from mmseg_al.engine import hooks

__all__ = ['hooks']
