from . import backbones, decode_heads

__all__ = ['backbones', 'decode_heads']
