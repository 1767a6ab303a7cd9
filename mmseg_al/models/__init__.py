from mmseg_al.models import discriminators, optimizers, segmentors

__all__ = ['discriminators', 'optimizers', 'segmentors']
