"""The few shims this torch / mmcv-lite / mmseg combination needs, applied once.

Each shim fixes a verified breakage (1-3) or a measured cost (4) of the pinned stack
(see README, "Compatibility"):

1. mmcv-lite ships no compiled ``mmcv._ext``, yet mmseg 1.2.2 imports ``mmcv.ops``
   unguarded. We register a placeholder extension whose ops raise a clear error
   when *called*, so every model that needs no compiled op builds and trains.
2. torch >= 2.6 loads checkpoints with ``weights_only=True``, which rejects the
   mmengine objects stored in a resume checkpoint. We allow exactly those
   classes; checkpoints in a work dir are files this tool wrote and are trusted.
3. Distributed runs on CPU: mmengine's launcher calls ``torch.cuda.set_device``
   and injects CUDA ``device_ids`` into DDP; SyncBN needs CUDA. We initialise a
   gloo process group ourselves and adapt the config.
4. mmengine formats a runner's config with yapf each time it logs, dumps or
   checkpoints it (about 7 times a runner, 0.3 s each for an AL config). The
   formatting of one text never changes, so we remember it.
"""
import builtins
import functools
import importlib.machinery
import os
import sys
import types

import numpy as np
import torch

_EXT_NAME = 'mmcv._ext'


class CompiledOpUnavailableError(RuntimeError):
    """A model used an mmcv op that needs the full, compiled mmcv."""


def _compiled_op_stub(name):

    def stub(*args, **kwargs):
        raise CompiledOpUnavailableError(
            f'mmcv op "{name}" needs the full mmcv with compiled ops, but '
            'mmcv-lite is installed. Pick a model without this op, or build '
            'mmcv 2.1.0 from source (MMCV_WITH_OPS=1), see README "Compatibility".')

    stub.__name__ = name
    return stub


def install_mmcv_ext_placeholder():
    """Register a placeholder ``mmcv._ext`` unless a real one is importable."""
    if _EXT_NAME in sys.modules:
        return
    try:
        importlib.import_module(_EXT_NAME)
        return
    except ImportError:
        pass
    module = types.ModuleType(_EXT_NAME)
    # loader=None keeps mmengine reporting the compiled mmcv as unavailable.
    module.__spec__ = importlib.machinery.ModuleSpec(_EXT_NAME, loader=None)

    def __getattr__(name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _compiled_op_stub(name)

    module.__getattr__ = __getattr__
    sys.modules[_EXT_NAME] = module


def allow_mmengine_checkpoint_globals():
    """Let ``torch.load(weights_only=True)`` read mmengine resume checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
    # OneCycleLR's state holds its annealing function, pickled as an attribute of the
    # class (the digit schedule uses it).
    safe = [HistoryBuffer, OneCycleParamScheduler, np.ndarray, np.dtype,
            np._core.multiarray._reconstruct, np._core.multiarray.scalar, builtins.getattr]
    # numpy pickles dtypes through their concrete classes (Float64DType, ...).
    safe += [type(np.dtype(t)) for t in (
        np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
        np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)]
    torch.serialization.add_safe_globals(safe)


def init_cpu_distributed():
    """Start a gloo process group for a torchrun launch on a machine without CUDA.

    mmengine skips its own (CUDA-only) initialisation when a group already exists.
    """
    import torch.distributed as dist
    if dist.is_available() and not dist.is_initialized():
        dist.init_process_group('gloo')


def shutdown_distributed():
    """Leave the process group together: a gloo process exiting while its peers still
    talk to it can abort at interpreter shutdown ("terminate called without an active
    exception")."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _replace_syncbn(node):
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _replace_syncbn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _replace_syncbn(value)


def adapt_cfg_to_device(cfg, launcher):
    """Make a config runnable where there is no CUDA (single process or gloo).

    SyncBN has no CPU kernel inside a process group, and mmengine would pass
    CUDA ``device_ids`` to DDP; both are replaced. On a CUDA machine the config
    is left as it is.
    """
    if torch.cuda.is_available():
        return cfg
    _replace_syncbn(cfg.model)
    if launcher != 'none':
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False, find_unused_parameters=cfg.get(
                'find_unused_parameters', False))
    return cfg


def memoize_config_formatting():
    """Format each config text with yapf once per process (shim 4)."""
    from mmengine.config import config as config_module
    if hasattr(config_module.FormatCode, 'cache_info'):
        return
    format_code = config_module.FormatCode

    @functools.lru_cache(maxsize=16)
    def format_once(text, style_items, extra_items):
        return format_code(text, style_config=dict(style_items), **dict(extra_items))

    @functools.wraps(format_code)
    def memoized(text, style_config=None, **kwargs):
        return format_once(text, tuple(sorted((style_config or {}).items())),
                           tuple(sorted(kwargs.items())))

    memoized.cache_info = format_once.cache_info
    config_module.FormatCode = memoized


def apply():
    """Apply the process-wide shims once; safe to call again."""
    install_mmcv_ext_placeholder()
    allow_mmengine_checkpoint_globals()
    memoize_config_formatting()
    # Many small CPU ops are faster single-threaded per process under torchrun.
    if os.environ.get('LOCAL_WORLD_SIZE', '1') != '1' and not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ['LOCAL_WORLD_SIZE'])))
