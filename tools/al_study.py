"""Run a study — a grid of AL experiments × seeds — and report it.

Every run is an ordinary tools/al_train.py run in
``<study dir>/<experiment>/seed_<s>/``. Re-running the command skips finished
runs and resumes interrupted ones; a failed run is reported with the end of its
log and does not stop the others. ``--only`` picks a part of the grid by its tags
(method, ssl, pool, budget, any other axis, and seed); running, ``--status`` and
``--report`` all honour it, so a part of a grid never needs a config of its own.

Examples:
    python tools/al_study.py configs/studies/digits_redundancy.py --workers 2
    python tools/al_study.py configs/studies/digits_redundancy.py --workers 2 \\
        --only method=Random,Entropy pool=Pool-0f seed=0
    python tools/al_study.py configs/studies/digits_redundancy.py --status --only ssl=SSL
    python tools/al_study.py configs/studies/digits_redundancy.py --backend slurm \\
        --partition gpu --gpus-per-task 1 --cpus-per-task 8 --time-min 240
    python tools/al_study.py configs/studies/digits_redundancy.py --report
    # the committed results of the digit grid, reported without its run dirs:
    python tools/al_study.py configs/studies/digits_redundancy.py --report \\
        --table mmseg_al/recommend/data/digit_study.csv --out docs/study
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
    parser.add_argument('--only', nargs='+', type=only_item, metavar='KEY=V1,V2',
                        help='run, show or report only the runs whose tags (an axis of the '
                        'grid, a tag of its experiments, or seed) have these values')
    parser.add_argument('--table', metavar='CSV',
                        help='with --report: report the runs of this study_table.csv instead '
                        'of the study dir\'s (e.g. committed results whose run dirs are gone)')
    parser.add_argument('--out', metavar='DIR',
                        help='with --report: write the report here (default: the study dir)')
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
    parser.add_argument('--amp', action='store_true',
                        help='every run trains with mixed precision (al_train.py --amp; needs '
                        'a GPU, e.g. --backend slurm --gpus-per-task 1)')
    return parser.parse_args(argv)


def only_item(text):
    """``'method=Random,Entropy'`` as ``('method', ['Random', 'Entropy'])``."""
    key, _, values = text.partition('=')
    if not key or not values or '' in values.split(','):
        raise argparse.ArgumentTypeError(f'{text!r} is not KEY=V1,V2 (e.g. method=A,B)')
    return key, values.split(',')


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
        if (args.table or args.out) and not args.report:
            raise ValueError('--table and --out say what to report: give them with --report.')
        study = Study(args.config, work_dir=args.work_dir, cfg_options=args.cfg_options,
                      amp=args.amp)
        only = {}
        for key, values in args.only or ():
            only.setdefault(key, []).extend(values)
        # Status and a report of run dirs show the study as it was run; a report of a
        # table (results without run dirs) the study as its config declares it now.
        runs = study.runs(refresh=not (args.status or args.report) or bool(args.table),
                          only=only)
        if args.status:
            print(status_table(runs))
            return
        if args.report:
            print('report written to ' + write_study_report(study.work_dir, args.table,
                                                            args.out, only))
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
