"""Load every backbone's pretrained weights again before a cycle trains."""
import os.path as osp

from mmengine.hooks import Hook
from mmengine.model import initialize, is_model_wrapper
from mmengine.logging import print_log

from mmseg_al.registry import HOOKS


def pretrained_backbones(model):
    """``[(name, module, init_cfg)]``: each submodule named ``backbone`` and its Pretrained init.

    Raises:
        ValueError: no backbone, one without a ``Pretrained`` init_cfg, or one whose
            local checkpoint is missing; the reset could not happen.
    """
    found = []
    for name, module in model.named_modules():
        if name.rpartition('.')[2] != 'backbone':
            continue
        init_cfg = getattr(module, 'init_cfg', None)
        pretrained = [c for c in (init_cfg if isinstance(init_cfg, list) else [init_cfg])
                      if isinstance(c, dict) and c.get('type') == 'Pretrained']
        if len(pretrained) != 1:
            raise ValueError(f'{name} ({type(module).__name__}) has no Pretrained init_cfg to '
                             f'load again (init_cfg={init_cfg!r}); give it '
                             "init_cfg=dict(type='Pretrained', checkpoint=...), or use "
                             "training='retrain'.")
        checkpoint = pretrained[0].get('checkpoint')
        if '://' not in str(checkpoint) and not osp.isfile(str(checkpoint)):
            raise ValueError(f'{name}: its pretrained checkpoint {checkpoint} is missing, and '
                             "training='reset_backbone' loads it again every cycle.")
        found.append((name, module, pretrained[0]))
    if not found:
        raise ValueError(f'{type(model).__name__} has no submodule named "backbone" to reset.')
    return found


@HOOKS.register_module()
class ResetBackboneHook(Hook):
    """Before training, set every backbone back to its pretrained weights (its init_cfg).

    The study's authors start each cycle this way: the ImageNet weights are copied
    into the encoder while the decoder keeps the previous cycle's weights
    (``Strategy.train`` in sud0301/best_practices_ALSS). The driver loads the
    previous cycle's checkpoint (``load_from``) and adds this hook, which runs after
    that load and before the first iteration; a resumed cycle has no such hook, its
    checkpoint already holds the reset and trained backbone. Parameters are copied
    in place, so the optimiser built before keeps them.
    """
    priority = 'VERY_HIGH'  # before any hook that copies weights (a mean teacher)

    def before_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, module, init_cfg in pretrained_backbones(model):
            print_log(f'ResetBackboneHook: {name} <- {init_cfg["checkpoint"]}', logger='current')
            initialize(module, dict(init_cfg))
