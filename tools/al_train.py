"""Run (or resume) an active-learning experiment from an mmseg config.

Each cycle trains a fresh model on the labeled images, evaluates it on the val
set and, except after the last cycle, selects the next images to label with the
config's acquisition function (active_learning.acquisition).

Everything goes to the work dir: al_state.json (cycle, labeled ids, seed),
cycle_<k>/ (labeled.txt, selection.json, checkpoints, mmengine's full log in
<timestamp>/<timestamp>.log) and results.json (mIoU per cycle, AUC@B, mIoU@B).
The console shows a progress bar per phase and one line per cycle; --verbose
shows mmengine's log as it is written.

Re-running the same command (same config and seed) resumes from the last
finished phase; another config or seed in the same work dir is refused. With a
human oracle (active_learning.oracle='human') a run stops after exporting a
batch; import the labels with tools/al_import.py and run the command again.

Examples:
    python tools/al_train.py configs/al/entropy_digits_pool11f.py
    python tools/al_train.py configs/al/random_digits_pool11f.py --seed 1
    python tools/al_train.py configs/al/entropy_digits_pool11f.py --verbose \\
        --cfg-options active_learning.num_cycles=2 train_cfg.max_iters=100
    python tools/al_train.py configs/al/coreset_a2d2_pool11f.py --amp    # on a GPU
    bash tools/dist_al_train.sh configs/al/coreset_digits_pool11f.py 2
"""
import argparse
import contextlib
import os
import os.path as osp
import sys

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmengine import dist
from mmengine.config import DictAction
from mmengine.device import get_device

from mmseg_al.annotation import AnnotationError
from mmseg_al.compat import init_distributed, shutdown_distributed
from mmseg_al.config_error import ConfigError
from mmseg_al.datasets.preparation import DatasetNotPreparedError, prepare_or_check
from mmseg_al.engine.al_loop import ALLoop
from mmseg_al.engine.console import compact_console
from mmseg_al.engine.experiment import experiment_config
from mmseg_al.engine.lock import lock_work_dir
from mmseg_al.fileio import StateError
from mmseg_al.oracle import WaitingForLabels
from mmseg_al.registry import MODELS
from mmseg_al.work_dir_files import restart_work_dir


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='experiment config, e.g. configs/al/<method>_<data>.py')
    parser.add_argument('--work-dir', help='where state, checkpoints, logs and results go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of the initial labeled set, random acquisition and training '
                        '(default: randomness.seed of the config, else 0)')
    parser.add_argument('--restart', action='store_true',
                        help='start over; an existing work dir is moved aside, never deleted')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config entries, e.g. active_learning.num_cycles=2 '
                        'train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help="'pytorch' for torchrun (see tools/dist_al_train.sh)")
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training (AmpOptimWrapper, dynamic loss scale), '
                        'as in mmseg\'s tools/train.py; query passes use autocast too. Needs '
                        'a GPU (CUDA, NPU or MLU)')
    parser.add_argument('--verbose', action='store_true',
                        help="show mmengine's log (environment, config, hooks, every logged "
                        'iteration) on the console too; it is always in the work dir')
    return parser.parse_args(argv)


# The devices mmengine's AmpOptimWrapper accepts (it asserts one is available).
AMP_DEVICES = ('cuda', 'npu', 'mlu', 'musa')


def enable_amp(cfg):
    """``--amp`` the way mmseg's tools/train.py does it: AmpOptimWrapper, dynamic loss scale."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'OptimWrapper':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    elif wrapper != 'AmpOptimWrapper':
        raise ConfigError(f'--amp replaces optim_wrapper type OptimWrapper with '
                          f'AmpOptimWrapper; this config uses {wrapper}.')


def check_amp_device(cfg):
    """Refuse mixed precision where mmengine cannot run it, before anything is built."""
    device = get_device()
    if cfg.optim_wrapper.get('type') == 'AmpOptimWrapper' and device not in AMP_DEVICES:
        raise ConfigError(f'mixed precision (--amp, AmpOptimWrapper) needs a CUDA, NPU or MLU '
                          f'device, and this machine has {device} only; run without --amp.')


def _config_dicts(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _config_dicts(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _config_dicts(value)


def check_pretrained_checkpoints(model_cfgs):
    """Refuse a model whose local pretrained checkpoint is missing, before anything runs.

    mmengine would find out only when the first cycle initialises the weights, as a
    traceback. A module that sets ``allow_random_init`` (WideResNet38) accepts a
    missing file and warns; one with a ``missing_checkpoint_hint`` says how to make it.
    """
    for node in _config_dicts(model_cfgs):
        owner, checkpoint = node, node.get('pretrained')
        if checkpoint and isinstance(node.get('backbone'), dict):
            owner = node['backbone']  # EncoderDecoder hands ``pretrained`` to its backbone
        init_cfg = node.get('init_cfg')
        if (checkpoint is None and isinstance(init_cfg, dict)
                and init_cfg.get('type') == 'Pretrained'):
            checkpoint = init_cfg.get('checkpoint')
        # URLs and model-zoo names (open-mmlab://...) are mmengine's to fetch.
        if (not isinstance(checkpoint, str) or '://' in checkpoint or osp.isfile(checkpoint)
                or owner.get('allow_random_init')):
            continue
        module_type = owner.get('type')
        module_class = MODELS.get(module_type) if isinstance(module_type, str) else None
        hint = getattr(module_class, 'missing_checkpoint_hint', None)
        raise ConfigError(f'{module_type}: pretrained checkpoint "{checkpoint}" not found.'
                          + (f' {hint(checkpoint)}' if hint else ''))


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg, seed = experiment_config(args.config, args.work_dir, args.cfg_options, args.seed,
                                      launcher=args.launcher)
    except FileNotFoundError as err:
        sys.exit(f'error: {err}')
    if args.launcher == 'pytorch':
        init_distributed(cfg.get('env_cfg', {}).get('dist_cfg', {}))
        os.environ.setdefault('LOCAL_RANK', '0')
    lock = None
    try:
        if args.amp:
            enable_amp(cfg)
        check_amp_device(cfg)
        lock = lock_work_dir(cfg.work_dir, 'tools/al_train.py')  # one driver per work dir
        with contextlib.nullcontext() if args.verbose else compact_console():
            if args.restart and dist.get_rank() == 0 and (
                    backup := restart_work_dir(cfg.work_dir)):
                print(f'[mmseg_al] --restart: moved the previous run to {backup}')
            dist.barrier()
            prepare_or_check(cfg)  # also makes the digit backbone's weights a config names
            check_pretrained_checkpoints([cfg.model, cfg.get('ssl')])
            ALLoop(cfg, seed=seed).run()
    except WaitingForLabels as waiting:
        if dist.get_rank() == 0:
            print(f'[mmseg_al] {waiting}', flush=True)
    except (AnnotationError, ConfigError, DatasetNotPreparedError, StateError) as err:
        # Every rank meets the same bad input; one line says it.
        sys.exit(f'error: {err}' if dist.get_rank() == 0 else 1)
    finally:
        if lock is not None:
            lock.release()
    shutdown_distributed()


if __name__ == '__main__':
    main()
