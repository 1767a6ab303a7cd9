"""A cycle's length from the epochs it trains, and its schedule stretched to that length.

The study's authors train every cycle for ``epochs x |labeled| / batch`` iterations
(``run.py`` of sud0301/best_practices_ALSS: ``int(num_epochs * len(idxs_lb) /
train_batch_size)``) with the poly decay over exactly those iterations, so a cycle at
50 % labeled trains five times longer than one at 10 %. With
``active_learning.epochs_per_cycle`` the driver does the same for any mmseg schedule:
the configured one is read as a shape over ``train_cfg.max_iters`` and stretched to
the cycle's iterations.
"""
import math
from fractions import Fraction

from mmseg_al.config_error import ConfigError

# Fields of mmengine's parameter schedulers that count iterations.
_ITERATION_KEYS = ('begin', 'end', 'T_max', 'total_steps', 'step_size')
_ITERATION_LIST_KEYS = ('milestones', 'periods')


def cycle_iterations(epochs, num_labeled, batch_size, world_size=1):
    """``ceil(epochs x num_labeled / (batch_size x world_size))``, at least 1.

    The batch is the global one (per-process ``batch_size`` times the processes),
    so a cycle sees ``epochs`` passes over its labeled images however many GPUs
    share it. The authors truncate (``int``); we round up so that no cycle trains
    for 0 iterations and the last partial batch of the epochs is trained.

    Args:
        epochs (int | float): passes over the labeled images, e.g. 100.
        num_labeled (int): labeled images of the cycle.
        batch_size (int): ``train_dataloader.batch_size`` (labeled images per process).
        world_size (int): training processes.
    """
    # Fraction(str(...)): 0.1 epochs means one tenth, not the nearest binary float.
    exact = Fraction(str(epochs)) * num_labeled / (batch_size * world_size)
    return max(1, math.ceil(exact))


def param_scheduler_cfgs(param_scheduler):
    """Every scheduler config in ``param_scheduler``: a dict, a list, or one list per
    optimiser (``{'segmentor': [...], ...}``)."""
    if isinstance(param_scheduler, dict) and 'type' not in param_scheduler:
        return [s for entries in param_scheduler.values() for s in param_scheduler_cfgs(entries)]
    if isinstance(param_scheduler, dict):
        return [param_scheduler]
    return list(param_scheduler or [])


def check_stretchable(cfg):
    """Raise ConfigError unless ``cfg``'s schedule counts iterations, which ``fit_schedule``
    scales."""
    if 'max_iters' not in cfg.train_cfg:
        raise ConfigError('active_learning.epochs_per_cycle sets each cycle\'s iterations and '
                          f'needs an IterBasedTrainLoop, got train_cfg={dict(cfg.train_cfg)}.')
    by_epoch = [s['type'] for s in param_scheduler_cfgs(cfg.get('param_scheduler'))
                if s.get('by_epoch', True)]
    if by_epoch:
        raise ConfigError(f'active_learning.epochs_per_cycle stretches the schedule over each '
                          f'cycle\'s iterations; set by_epoch=False in {by_epoch} (mmengine\'s '
                          'default is by_epoch=True).')


def fit_schedule(cfg, iterations):
    """Make one cycle's runner config train ``iterations`` iterations (in place).

    Every iteration count of the parameter schedulers is scaled by
    ``iterations / train_cfg.max_iters``: a poly decay that ends at ``max_iters``
    ends with the cycle, a 10 % warm-up stays 10 %. The logger interval is capped at
    the cycle's length so that a short cycle still logs its loss; checkpoints keep
    their interval (mmengine always saves the last iteration).
    """
    reference = cfg.train_cfg.max_iters

    def scaled(value, at_least):
        return max(at_least, (value * iterations + reference // 2) // reference)

    for scheduler in param_scheduler_cfgs(cfg.get('param_scheduler')):
        for key in _ITERATION_KEYS:
            if scheduler.get(key) is not None:
                scheduler[key] = scaled(scheduler[key], 0 if key == 'begin' else 1)
        if 'end' in scheduler:
            scheduler['end'] = max(scheduler['end'], scheduler.get('begin', 0) + 1)
        for key in _ITERATION_LIST_KEYS:
            if scheduler.get(key) is not None:
                scheduler[key] = [scaled(v, 1) for v in scheduler[key]]
    cfg.train_cfg.max_iters = iterations
    logger = cfg.get('default_hooks', {}).get('logger')
    if logger and logger.get('interval', 0) > iterations:
        logger['interval'] = iterations
    return cfg
