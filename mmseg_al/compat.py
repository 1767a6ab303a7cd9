"""The few shims this torch / mmcv-lite / mmseg combination needs, applied once.

Each shim fixes a verified breakage (1-3, 5) or a measured cost (4) of the pinned stack
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
5. mmengine 0.10.7 finds the package behind a ``mmseg::`` config path with
   ``pkg_resources``, which the setuptools pip installs for torch (84.x here) no
   longer ships. We answer the same two questions (installed? where?) with
   ``importlib.metadata``, so ``_base_ = ['mmseg::_base_/models/...']`` loads
   whatever setuptools is installed.
"""
import builtins
import functools
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import os.path as osp
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


def init_distributed(dist_cfg):
    """Start the process group of a torchrun launch before the driver's first barrier.

    With CUDA, mmengine's own initialisation (``env_cfg.dist_cfg``, nccl by default;
    it also selects the GPU of ``LOCAL_RANK``); without, gloo (shim 3).
    """
    if torch.cuda.is_available():
        from mmengine.dist import init_dist
        init_dist('pytorch', **dist_cfg)
    else:
        init_cpu_distributed()


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


def _module_dirs(package):
    """Directories of the top-level modules a distribution (or a module) provides."""
    try:
        top_level = importlib.metadata.distribution(package).read_text('top_level.txt') or ''
    except importlib.metadata.PackageNotFoundError:
        top_level = ''
    # A module on the path also counts, as in mmengine (e.g. one found via PYTHONPATH).
    for name in [package] + top_level.split():
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
        if spec is not None and spec.origin is not None:
            yield osp.dirname(spec.origin)


def is_installed(package):
    """mmengine's ``is_installed`` without ``pkg_resources`` (shim 5)."""
    return next(_module_dirs(package), None) is not None


def get_installed_path(package):
    """mmengine's ``get_installed_path`` without ``pkg_resources``: the directory of the
    module a distribution installs, e.g. ``mmsegmentation`` -> ``.../site-packages/mmseg``
    (shim 5)."""
    path = next(_module_dirs(package), None)
    if path is None:
        raise importlib.metadata.PackageNotFoundError(package)
    return path


def find_packages_without_pkg_resources():
    """Give mmengine's config loader (and its hub) our package look-up (shim 5)."""
    from mmengine import utils
    from mmengine.config import config as config_module
    from mmengine.utils import package_utils
    # Modules that bound the functions by name; mmengine.hub, imported later, binds ours.
    modules = [package_utils, utils, config_module, sys.modules.get('mmengine.hub.hub')]
    for module in filter(None, modules):
        for name, function in (('is_installed', is_installed),
                               ('get_installed_path', get_installed_path)):
            if hasattr(module, name):
                setattr(module, name, function)


def apply():
    """Apply the process-wide shims once; safe to call again."""
    install_mmcv_ext_placeholder()
    allow_mmengine_checkpoint_globals()
    memoize_config_formatting()
    find_packages_without_pkg_resources()
    # Many small CPU ops are faster single-threaded per process under torchrun.
    if os.environ.get('LOCAL_WORLD_SIZE', '1') != '1' and not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ['LOCAL_WORLD_SIZE'])))
