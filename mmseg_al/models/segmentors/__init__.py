from mmseg_al.models.segmentors.inference import inference_segmentor
from mmseg_al.models.segmentors.s4gan import S4GANSegmentor
from mmseg_al.models.segmentors.u2pl import U2PLSegmentor

__all__ = ['S4GANSegmentor', 'U2PLSegmentor', 'inference_segmentor']
