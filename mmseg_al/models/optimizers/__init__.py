from mmseg_al.models.optimizers.multi_optim_constructor import MultiOptimWrapperConstructor

__all__ = ['MultiOptimWrapperConstructor']
