"""Compare AL runs: a table of mIoU per cycle, AUC@B and mIoU@B, and one curve plot.

Runs of the same config with different seeds are averaged (mean ± std); a seed
counts once, and the work dirs that ``--restart`` moved aside (``*.old-<time>``) are
left out. Given the dir of a study (tools/al_study.py), writes the study's report
instead.
``--metric`` picks the mIoU definition: ``mIoU`` (MMSeg's: classes absent from the
val set are skipped) or ``mIoU_all_classes`` (the study's: they count as 0).

Example:
    python tools/analyze.py work_dirs/random_* work_dirs/entropy_* --out curves.png
    python tools/analyze.py work_dirs/digits_redundancy
"""
import argparse
import os.path as osp
import sys

from mmseg_al.analysis.curves import plot_curves
from mmseg_al.analysis.study_report import write_study_report
from mmseg_al.analysis.study_table import STUDY_FILE
from mmseg_al.analysis.tables import (METRICS, check_metric, distinct_runs, format_table,
                                      group_by_method, summary_rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='work dirs of tools/al_train.py runs')
    parser.add_argument('--out', default='al_curves.png', help='where to save the curve plot')
    parser.add_argument('--title', default='', help='plot title')
    parser.add_argument('--metric', default='mIoU', choices=METRICS,
                        help='per-cycle mIoU definition the table and plot use')
    args = parser.parse_args(argv)
    try:
        if len(args.work_dirs) == 1 and osp.isfile(osp.join(args.work_dirs[0], STUDY_FILE)):
            print(f'report written to {write_study_report(args.work_dirs[0])}')
            return
        runs, notes = distinct_runs(args.work_dirs)
        check_metric(runs, args.metric)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    for note in notes:
        print(note)
    groups = group_by_method(runs)
    print(f'metric: {args.metric}')
    print(format_table(summary_rows(groups, args.metric)))
    print(f'\ncurves saved to '
          f'{plot_curves(groups, args.out, title=args.title, metric=args.metric)}')


if __name__ == '__main__':
    main()
