"""Build one optimiser wrapper per named submodule, as an ``OptimWrapperDict``."""
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from mmseg_al.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Give each named submodule its own optimiser (e.g. a segmentor and a discriminator).

    mmengine 0.10.7 builds an ``OptimWrapperDict`` from config only through a
    custom constructor. Each key of the config names an attribute of the model;
    its value is an ordinary optim_wrapper config (``paramwise_cfg`` included),
    built by mmengine's default constructor over that submodule alone, so every
    parameter belongs to exactly one optimiser.

    Args:
        optim_wrapper_cfg (dict): ``{submodule name: optim_wrapper config}``.
        paramwise_cfg (dict, optional): must be None; put it inside each entry.
    """

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        if paramwise_cfg is not None:
            raise ValueError('MultiOptimWrapperConstructor takes paramwise_cfg inside each '
                             f'submodule entry, got a top-level one: {paramwise_cfg}.')
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(f'optim_wrapper entry "{name}" must be an optim_wrapper config '
                                 f'with an "optimizer" key, got {cfg}.')
        self.constructors = {
            name: DefaultOptimWrapperConstructor(
                {k: v for k, v in cfg.items() if k != 'paramwise_cfg'}, cfg.get('paramwise_cfg'))
            for name, cfg in optim_wrapper_cfg.items()
        }

    def __call__(self, model):
        module = getattr(model, 'module', model)  # unwrap DDP
        wrappers = {}
        for name, constructor in self.constructors.items():
            if not hasattr(module, name):
                raise AttributeError(
                    f'optim_wrapper names a submodule "{name}" that {type(module).__name__} '
                    f'does not have; use one of {[n for n, _ in module.named_children()]}.')
            wrappers[name] = constructor(getattr(module, name))
        return OptimWrapperDict(**wrappers)
