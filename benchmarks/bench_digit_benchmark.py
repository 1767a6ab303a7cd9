"""The embedded digit-scene benchmark against its targets, in one run.

Trains real AL runs through ``tools/al_train.py`` (each in its own work dir under
``--out``; a run resumes where it stopped, so the benchmark does too) and prints
these parts (precision first, since its runs go in parallel and learns reuses them):

1. learns: the digit model and its MC-dropout twin on 100 % of Pool-11f (val mIoU,
   lowest class IoU), and Random 10-10 on Pool-0f against 100 % of Pool-0f;
2. precision: std over seeds of mIoU at every cycle, Random and Entropy on Pool-0f
   and Pool-21f;
3. speed: wall time of a supervised 5-cycle 10-10 run, alone on the machine, and of
   its s4GAN and U2PL twins and a batch-16 supervised run, with seconds per
   training iteration (``--speed-iters N``: one short cycle each, s/iter only);
4. redundancy: distinct digit instances per pool and the near-duplicate rate of
   Random's and Entropy's picks at 20 %.

Targets are printed next to the measurements; nothing here asserts. Runs of the
precision part go ``--workers`` at a time (threads split between them); the speed
part always runs alone with every core.

Run: ``python benchmarks/bench_digit_benchmark.py`` (hours on 2 cores);
``--parts learns speed`` for a subset, ``--seeds 0 1 2``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
from mmseg_al.analysis.tables import format_table  # noqa: E402
from mmseg_al.datasets.digit_scenes import (ACTORS_FILE, DIGIT_POOLS,  # noqa: E402
                                            prepare_digit_scenes)

DATA_ROOT = osp.join(REPO, 'data', 'digit_scenes')
PARTS = ('precision', 'learns', 'speed', 'redundancy')


def pool_options(pool):
    return [f'train_dataloader.dataset.ann_file=pools/{pool}.txt']


def run_al(out, name, config, seed=0, options=(), threads=None):
    """One ``tools/al_train.py`` run; returns (results dict, wall seconds of this call)."""
    work_dir = osp.join(out, name, f'seed_{seed}')
    results = osp.join(work_dir, 'results.json')
    log = osp.join(out, name, f'seed_{seed}.log')
    env = dict(os.environ, PYTHONPATH=REPO)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    started = time.time()
    # al_train resumes a work dir and skips its finished phases, so a finished run
    # costs only its start-up.
    os.makedirs(osp.dirname(log), exist_ok=True)
    cmd = [sys.executable, osp.join(REPO, 'tools', 'al_train.py'), osp.join(REPO, config),
           '--work-dir', work_dir, '--seed', str(seed)]
    if options:
        cmd += ['--cfg-options', *options]
    with open(log, 'a') as f:
        subprocess.run(cmd, cwd=REPO, env=env, stdout=f, stderr=subprocess.STDOUT, check=True)
    with open(results) as f:
        return json.load(f), time.time() - started


def seconds_per_iteration(work_dir):
    """Median training-iteration time over all cycles (mmengine's ``time`` scalar)."""
    times = []
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files:
            with open(osp.join(root, 'scalars.json')) as f:
                times += [json.loads(line)['time'] for line in f
                          if '"time"' in line and '"loss"' in line]
    return float(np.median(times)) if times else float('nan')


def curve(results):
    return [c['mIoU'] for c in results['cycles']]


def part_learns(args):
    rows = []
    for name, config in (('full', 'configs/al/full_digits_pool11f.py'),
                         ('full_mcd', 'configs/al/full_mcd_digits_pool11f.py')):
        res, _ = run_al(args.out, f'{name}_pool11f', config)
        iou = res['cycles'][0]['per_class_iou']
        rows.append(dict(run=f'100 % Pool-11f ({name})', mIoU=f"{res['cycles'][0]['mIoU']:.2f}",
                         lowest_class=f'{min(iou.values()):.2f} ({min(iou, key=iou.get)})',
                         target='>= 70, every class > 0'))
    full0, _ = run_al(args.out, 'full_pool0f', 'configs/al/full_digits_pool11f.py',
                      options=pool_options('pool0f'))
    curves = np.array([curve(run_al(args.out, 'random_pool0f', 'configs/al/random_digits_pool11f.py',
                                    seed, pool_options('pool0f'))[0]) for seed in args.seeds])
    mean = curves.mean(0)
    full = full0['cycles'][0]['mIoU']
    rows.append(dict(run='Random 10-10 Pool-0f', mIoU=' '.join(f'{m:.1f}' for m in mean),
                     lowest_class=f'rise {mean[-1] - mean[0]:.1f}; 100 % = {full:.1f}, '
                     f'gap {full - mean[-1]:.1f}', target='rise >= 15, gap <= 10'))
    return rows


def part_precision(args):
    jobs = [(method, pool, seed) for method in ('random', 'entropy')
            for pool in ('pool0f', 'pool21f') for seed in args.seeds]
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    with ThreadPoolExecutor(args.workers) as ex:
        done = list(ex.map(lambda j: run_al(
            args.out, f'{j[0]}_{j[1]}', f'configs/al/{j[0]}_digits_pool11f.py', j[2],
            pool_options(j[1]), threads)[0], jobs))
    rows = []
    for method in ('random', 'entropy'):
        for pool in ('pool0f', 'pool21f'):
            curves = np.array([curve(r) for j, r in zip(jobs, done) if j[:2] == (method, pool)])
            std = curves.std(0, ddof=1)
            rows.append(dict(method=method, pool=pool, seeds=len(curves),
                             mean=' '.join(f'{m:.1f}' for m in curves.mean(0)),
                             std=' '.join(f'{s:.2f}' for s in std), max_std=f'{std.max():.2f}',
                             target='<= 1.0'))
    return rows


def part_speed(args):
    """Whole 5-cycle runs, or with ``--speed-iters N`` one cycle of N iterations (seconds
    per iteration only). The batch-16 supervised row trains on as many images per
    iteration as an SSL iteration feeds the segmentor (8 labeled + 8 unlabeled), so the
    rest of the SSL cost is the discriminator or teacher."""
    rows = []
    short = (['active_learning.num_cycles=0', f'train_cfg.max_iters={args.speed_iters}']
             if args.speed_iters else [])
    twins = (('supervised', 'configs/al/random_digits_pool11f.py', []),
             ('supervised, batch 16', 'configs/al/random_digits_pool11f.py',
              ['train_dataloader.batch_size=16']),
             ('s4GAN', 'configs/al/random_ssl_digits_pool11f.py', []),
             ('U2PL', 'configs/al/random_u2pl_ssl_digits_pool11f.py', []))
    base = None
    for name, config, options in twins:
        # A fresh work dir each time: the wall time must be a whole run.
        out = osp.join(args.out, 'speed', time.strftime('%Y%m%d-%H%M%S'))
        res, wall = run_al(out, 'run', config, options=short + options)
        per_iter = seconds_per_iteration(osp.join(out, 'run'))
        base = base or (wall, per_iter)
        rows.append(dict(run=name, wall_s=f'{wall:.0f}', s_per_iter=f'{per_iter:.3f}',
                         wall_vs_supervised=f'{wall / base[0]:.2f}x',
                         iter_vs_supervised=f'{per_iter / base[1]:.2f}x',
                         mIoU=' '.join(f'{m:.1f}' for m in curve(res)),
                         target=('<= 180 s' if name == 'supervised' else
                                 '<= 2.00x' if 'batch' not in name else '-')
                         if not short else 'short run: s/iter only'))
    return rows


def part_redundancy(args):
    with open(osp.join(DATA_ROOT, ACTORS_FILE)) as f:
        actors = json.load(f)['frames']
    rows = []
    for pool in DIGIT_POOLS:
        with open(osp.join(DATA_ROOT, 'pools', f'{pool}.txt')) as f:
            ids = [line.strip() for line in f if line.strip()]
        # An augmented copy shows the actors of the frame it was made from.
        shown = {a for sample_id in ids
                 for a in actors[sample_id.split('/', 1)[-1].rsplit('_a', 1)[0]]}
        row = dict(pool=pool, frames=len(ids), distinct_instances=len(shown))
        for method in ('random', 'entropy'):
            path = osp.join(args.out, f'{method}_{pool}')
            rates = [_near_duplicate_at_20(osp.join(path, f'seed_{s}')) for s in args.seeds]
            rates = [r for r in rates if r is not None]
            row[f'{method} near-dup @20%'] = f'{np.mean(rates):.0%}' if rates else '-'
        rows.append(row)
    return rows


def _near_duplicate_at_20(work_dir):
    """Near-duplicate rate of the first acquisition's picks (10 % -> 20 %), which
    results.json reports with the cycle they were trained in."""
    path = osp.join(work_dir, 'results.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        cycles = json.load(f)['cycles']
    diagnostics = cycles[1].get('selection_diagnostics') if len(cycles) > 1 else None
    return diagnostics['near_duplicate'] if diagnostics else None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'bench_digits'))
    parser.add_argument('--parts', nargs='+', choices=PARTS, default=list(PARTS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--speed-iters', type=int, default=0,
                        help='speed part: one cycle of this many iterations per run '
                        '(seconds per iteration only) instead of whole 5-cycle runs')
    parser.add_argument('--workers', type=int, default=2,
                        help='precision runs in parallel (threads are split between them)')
    args = parser.parse_args()
    started = time.time()
    prepare_digit_scenes(DATA_ROOT)
    for part in PARTS:
        if part in args.parts:
            part_started = time.time()
            rows = globals()[f'part_{part}'](args)
            print(f'\n## {part} ({time.time() - part_started:.0f} s)\n{format_table(rows)}',
                  flush=True)
    print(f'\n{os.cpu_count()} cores, total wall time {time.time() - started:.0f} s')


if __name__ == '__main__':
    main()
