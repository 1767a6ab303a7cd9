from .wrn38 import WideResNet38

__all__ = ['WideResNet38']
