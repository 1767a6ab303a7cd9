from mmseg_al.models import backbones, decode_heads, discriminators, optimizers, segmentors

__all__ = ['backbones', 'decode_heads', 'discriminators', 'optimizers', 'segmentors']
