"""Run a study — a grid of AL experiments × seeds — and report it.

Every run is an ordinary tools/al_train.py run in
``<study dir>/<experiment>/seed_<s>/``. Re-running the command skips finished
runs and resumes interrupted ones; a failed run is reported with the end of its
log and does not stop the others.

Examples:
    python tools/al_study.py configs/studies/digits_redundancy.py --workers 2
    python tools/al_study.py configs/studies/digits_redundancy.py --status
    python tools/al_study.py configs/studies/digits_redundancy.py --backend slurm \\
        --partition gpu --gpus-per-task 1 --cpus-per-task 8 --time-min 240
    python tools/al_study.py configs/studies/digits_redundancy.py --report
    python tools/al_study.py configs/studies/digits_redundancy.py --report \\
        --tables docs/study/*/study_table.csv
"""
import argparse
import os.path as osp
import sys

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmengine.config import DictAction

from mmseg_al.analysis.study_report import write_study_report
from mmseg_al.fileio import StateError
from mmseg_al.study import (LocalBackend, SlurmBackend, Study, StudyConfigError, StudyRunner,
                            status_table)
from mmseg_al.study.runner import StudyLockedError
from mmseg_al.study.study import SLURM_DEFAULTS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='study config, e.g. configs/studies/<name>.py')
    parser.add_argument('--work-dir', help='the study dir (default: work_dirs/<study name>)')
    action = parser.add_mutually_exclusive_group()
    action.add_argument('--status', action='store_true',
                        help='print a table of done / running / failed / pending runs and exit')
    action.add_argument('--report', action='store_true',
                        help='write report.md, study_table.csv and plots into the study dir')
    parser.add_argument('--tables', nargs='+', default=[], metavar='CSV',
                        help='with --report: also count the runs of these study_table.csv '
                        'files of other studies that ran some of this study\'s experiments '
                        '(matched by their tags), e.g. to report a grid run in parts')
    parser.add_argument('--backend', choices=['local', 'slurm'], default='local')
    parser.add_argument('--workers', type=int, default=1,
                        help='local: runs in parallel (default 1)')
    parser.add_argument('--threads', type=int, default=None,
                        help='local: torch threads per run (default: cores // workers)')
    slurm = parser.add_argument_group('slurm (default: the study config\'s slurm block)')
    for key, kind in (('partition', str), ('account', str), ('gpus_per_task', int),
                      ('cpus_per_task', int), ('time_min', int), ('mem_gb', float),
                      ('array_parallelism', int)):
        slurm.add_argument('--' + key.replace('_', '-'), type=kind, default=None,
                           help=f'default: {SLURM_DEFAULTS[key]}')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config entries of every run, e.g. train_cfg.max_iters=300')
    return parser.parse_args(argv)


def make_backend(args, study):
    if args.backend == 'local':
        return LocalBackend(workers=args.workers, threads=args.threads)
    settings = dict(study.slurm)
    settings.update({key: getattr(args, key) for key in settings
                     if getattr(args, key, None) is not None})
    return SlurmBackend(osp.join(study.work_dir, 'slurm'), **settings)


def main(argv=None):
    args = parse_args(argv)
    try:
        study = Study(args.config, work_dir=args.work_dir, cfg_options=args.cfg_options)
        if args.tables and not args.report:
            raise ValueError('--tables adds rows to a report: give it with --report.')
        runs = study.runs(refresh=not (args.status or args.report))
        if args.status:
            print(status_table(runs))
            return
        if args.report:
            print(f'report written to {write_study_report(study.work_dir, args.tables)}')
            return
        counts = StudyRunner(study.work_dir, make_backend(args, study)).run(runs)
    except (StudyConfigError, StudyLockedError, StateError, ValueError, RuntimeError,
            FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    print(f'{len(runs)} runs: ' + ', '.join(f'{n} {s}' for s, n in sorted(counts.items())))
    if counts.get('failed'):
        sys.exit(1)


if __name__ == '__main__':
    main()
