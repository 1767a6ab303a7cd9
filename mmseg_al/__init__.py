"""mmseg_al: active learning for semantic segmentation on MMSegmentation 1.x."""
from mmseg_al import compat

# Must run before mmseg is imported anywhere (mmseg imports mmcv.ops at import time).
compat.apply()

__version__ = '0.1.0'
__all__ = ['__version__']
