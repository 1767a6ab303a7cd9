"""Run (or resume) an active-learning experiment from an mmseg config.

Each cycle trains a model on the labeled set, evaluates it on the val set and
selects the next images to label with the config's acquisition function.
Re-running the same command resumes from the last finished phase.

Examples:
    python tools/al_train.py configs/al/entropy_digits_pool11f.py
    python tools/al_train.py configs/al/random_digits_pool11f.py --seed 1
    bash tools/dist_al_train.sh configs/al/coreset_digits_pool11f.py 2
"""
import argparse
import os
import os.path as osp
import sys

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmengine import dist
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmseg_al.annotation import AnnotationError
from mmseg_al.compat import adapt_cfg_to_device, init_cpu_distributed, shutdown_distributed
from mmseg_al.datasets.preparation import DatasetNotPreparedError, prepare_or_check
from mmseg_al.engine.al_loop import ALLoop, ConfigError, restart_work_dir
from mmseg_al.fileio import StateError
from mmseg_al.oracle import WaitingForLabels


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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher
    seed = args.seed if args.seed is not None else cfg.get('randomness', {}).get('seed') or 0
    init_default_scope(cfg.get('default_scope', 'mmseg_al'))
    if args.launcher == 'pytorch':
        init_cpu_distributed()
        os.environ.setdefault('LOCAL_RANK', '0')
    adapt_cfg_to_device(cfg, args.launcher)
    try:
        if args.restart and dist.get_rank() == 0 and (backup := restart_work_dir(cfg.work_dir)):
            print(f'[mmseg_al] --restart: moved the previous run to {backup}')
        dist.barrier()
        prepare_or_check(cfg)
        ALLoop(cfg, seed=seed).run()
    except WaitingForLabels as waiting:
        if dist.get_rank() == 0:
            print(f'[mmseg_al] {waiting}', flush=True)
    except (AnnotationError, ConfigError, DatasetNotPreparedError, StateError) as err:
        sys.exit(f'error: {err}')
    shutdown_distributed()


if __name__ == '__main__':
    main()
