"""The one table of ``benchmarks/gpu_check.sh``, from the JSON rows its steps wrote.

Usage: python benchmarks/gpu_check_table.py ROWS.jsonl [DDP_WORK_DIR]
"""
import json
import os.path as osp
import sys
import time

import torch


def _faiss_version():
    try:
        import faiss
    except ImportError:
        return 'missing'
    gpus = faiss.get_num_gpus() if hasattr(faiss, 'get_num_gpus') else 0
    return f'{faiss.__version__} ({gpus} GPU{"s" * (gpus != 1)})'


def _train_step(row):
    layout = 'channels-last' if row['channels_last'] else 'NCHW'
    setting = (f'WRN-38 DeepLabv3+ {row["crop"][1]}x{row["crop"][0]} batch {row["batch"]}, '
               f'{"AMP" if row["amp"] else "fp32"}, {layout}')
    return ('train step', setting, f'{row["train_s"]:.3f} s/step',
            f'{row["peak_mib"]:.0f} MiB', f'forward {row["forward_s"]:.3f} s')


def _scoring(row):
    setting = f'{row["method"]}{" AMP" if row["amp"] else ""}, 640x402'
    if row['images_per_s'] is None:
        return ('scoring', setting, 'no model pass', '', '')
    return ('scoring', setting, f'{row["images_per_s"]:.1f} images/s',
            f'{row["peak_mib"]:.0f} MiB', f'40,000 images: {row["hours_40k"] * 60:.0f} min')


def _kcenter(row):
    backend = 'faiss-gpu' if row['backend'] == 'faiss' else f'torch ({row["device"]})'
    setting = f'{backend}, {row["case"]} unlabeled'
    if 'error' in row:
        return ('k-center', setting, 'unavailable', '', row['error'][:60])
    return ('k-center', setting, f'{row["seconds"]:.2f} s / {row["picks"]} picks',
            f'{row["extra_mib"]:.0f} MiB' if 'extra_mib' in row else '', '')


def _ddp(row):
    setting = 'tools/dist_al_train.sh, 1 GPU (NCCL), --amp, digit scenes'
    results = osp.join(row['work_dir'], 'results.json')
    if not osp.isfile(results):
        return ('DDP smoke', setting, f'{row["seconds"]} s', '', 'FAILED: no results.json')
    cycles = json.load(open(results))['cycles']
    mious = ', '.join(f'{c["mIoU"]:.1f}' for c in cycles)
    return ('DDP smoke', setting, f'{row["seconds"]} s', '',
            f'passed: {len(cycles)} cycles, mIoU {mious}')


FORMATS = dict(train_step=_train_step, scoring=_scoring, kcenter=_kcenter, ddp=_ddp)


def table_rows(rows):
    """``(check, setting, time, memory, note)`` per row; a failed step keeps its error."""
    return [(row['check'], 'STEP FAILED', '', '', row['step_failed']) if 'step_failed' in row
            else FORMATS[row['check']](row) for row in rows]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU'
    print(f'GPU check, {time.strftime("%Y-%m-%d")}: {device}, torch {torch.__version__}, '
          f'CUDA {torch.version.cuda}, faiss {_faiss_version()}')
    lines = [('check', 'setting', 'time', 'peak memory', 'note')] + table_rows(rows)
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    for i, line in enumerate(lines):
        print(' | '.join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if i == 0:
            print('-+-'.join('-' * width for width in widths))


if __name__ == '__main__':
    main()
