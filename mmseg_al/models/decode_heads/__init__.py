from .deeplabv3plus_head import DeepLabV3PlusHead

__all__ = ['DeepLabV3PlusHead']
