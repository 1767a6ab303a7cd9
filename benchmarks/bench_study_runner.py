"""The study runner's local backend: parallel efficiency and its own overhead per run.

Runs a 6-run study (Random at 6 seeds on a tiny digit-scene tree) twice, with
``--workers 1`` and ``--workers 2``, each through ``tools/al_study.py`` as a user would.
Parallel efficiency = wall(1 worker) / (2 × wall(2 workers)). A run's own time is
its process's start to exit (from its ``study_run.json``: al_train.py's imports,
training, evaluation and scoring). With 1 worker, the runner's own overhead per run
is the gap between one run's exit and the next run's start (status checks, marker
and log writes, process start, polling latency); the target is ≤ 2 % of a run. The
runner's start-up (imports, grid expansion, writing the configs) is paid once per
study command and is reported apart, also per run.

Run: ``python benchmarks/bench_study_runner.py`` (``--iters`` and ``--seeds`` shrink it).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes  # noqa: E402
from mmseg_al.study.local import available_cores  # noqa: E402

STUDY = """seeds = list(range({seeds}))
axes = dict(method=dict(Random=dict(configs=[{config!r}])))
"""


def run_study(study, work_dir, workers, options):
    """Wall time, per-run (start, end) times (epoch seconds) and the command's launch time."""
    launched = time.time()
    start = time.perf_counter()
    subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools/al_study.py'), study,
                    '--work-dir', work_dir, '--workers', str(workers), '--cfg-options',
                    *options], check=True, cwd=REPO_ROOT, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONPATH=REPO_ROOT))
    wall = time.perf_counter() - start
    runs = []
    for seed_dir in sorted(os.listdir(osp.join(work_dir, 'Random'))):
        if seed_dir.startswith('seed_'):
            marker = json.load(open(osp.join(work_dir, 'Random', seed_dir, 'study_run.json')))
            runs.append((marker['started'], marker['ended']))
    return wall, sorted(runs), launched


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, default=6, help='runs in the study')
    parser.add_argument('--iters', type=int, default=20, help='training iterations per cycle')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = osp.join(tmp, 'scenes')
        make_digit_scenes(data, DigitScenesSpec(
            num_train_sequences=6, train_frames_per_sequence=10, num_val_sequences=2,
            val_frames_per_sequence=4, height=32, width=64, digit_size=(12, 16)), progress=False)
        study = osp.join(tmp, 'bench_study.py')
        with open(study, 'w') as f:
            f.write(STUDY.format(seeds=args.seeds, config=osp.join(
                REPO_ROOT, 'configs/al/random_digits_pool11f.py')))
        options = [f'train_dataloader.dataset.data_root={data}',
                   'train_dataloader.dataset.ann_file=train.txt',
                   f'val_dataloader.dataset.data_root={data}', 'train_dataloader.batch_size=2',
                   f'train_cfg.max_iters={args.iters}', 'default_hooks.checkpoint.interval=1000',
                   'active_learning.num_cycles=1']
        print(f'cores: {available_cores()}; {args.seeds} runs of 2 cycles x {args.iters} '
              'iterations (tiny digit scenes)')
        results = {}
        for workers in (1, 2):
            results[workers] = run_study(study, osp.join(tmp, f'w{workers}'), workers, options)
            wall, runs, _ = results[workers]
            total = sum(end - start for start, end in runs)
            print(f'--workers {workers}: wall {wall:.1f} s, runs {total:.1f} s in total '
                  f'(mean {total / len(runs):.1f} s per run)')
    (wall_1, runs_1, launched), (wall_2, _, _) = results[1], results[2]
    mean_run = sum(end - start for start, end in runs_1) / len(runs_1)
    gaps = [later[0] - earlier[1] for earlier, later in zip(runs_1, runs_1[1:])]
    per_run = sum(gaps) / len(gaps)
    startup = runs_1[0][0] - launched
    print(f'speed-up with 2 workers: {wall_1 / wall_2:.2f}x, parallel efficiency '
          f'{wall_1 / (2 * wall_2):.0%}')
    print(f'runner overhead per run (1 worker, exit to next start): {per_run * 1000:.0f} ms = '
          f'{per_run / mean_run:.2%} of a run (target <= 2 %)')
    print(f'runner start-up, once per command: {startup:.1f} s '
          f'({startup / len(runs_1):.2f} s per run of this {len(runs_1)}-run study)')


if __name__ == '__main__':
    main()
