"""One experiment's config, built the same way by every tool that drives a work dir.

tools/al_train.py, tools/al_serve.py and the backend's worker all build it here, so
the config hash in ``al_state.json`` agrees and either tool can continue a work dir.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg_al.compat import adapt_cfg_to_device


def default_work_dir(config):
    """``work_dirs/<config name>``, as mmseg's tools name it."""
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def experiment_config(config, work_dir=None, cfg_options=None, seed=None, launcher='none'):
    """``(cfg, seed)`` of one experiment from its config file and command-line choices.

    Args:
        config (str): the config file.
        work_dir (str, optional): default ``work_dirs/<config name>``.
        cfg_options (dict, optional): ``--cfg-options`` as ``DictAction`` parsed them.
        seed (int, optional): default ``randomness.seed`` of the config, else 0.
        launcher (str): ``'none'`` or ``'pytorch'`` (torchrun).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist.')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir or default_work_dir(config)
    cfg.launcher = launcher
    seed = seed if seed is not None else cfg.get('randomness', {}).get('seed') or 0
    init_default_scope(cfg.get('default_scope', 'mmseg_al'))
    adapt_cfg_to_device(cfg, launcher)
    return cfg, seed
