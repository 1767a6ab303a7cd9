"""Training step of the AL pipeline next to a plain torch loop on the same model and batch.

The plain step is the floor: the digit model of the README demo, one fixed batch
already on the device, ``model.loss`` + backward + AdamW, nothing else. The
pipeline step is what ``tools/al_train.py`` runs per iteration (data loading and
the train pipeline, the data preprocessor, every hook, logging), taken from
mmengine's own per-iteration ``time``, averaged over every iteration after the
first logging window (which holds the start-up and the first reads of each file).
Both run in the same invocation, each in its own process with the same torch
thread count, NCHW and with the config switch ``channels_last=True``; on CUDA also
with AMP (autocast + GradScaler, and ``--amp``). Each case runs ``--repeats`` times
in turn and keeps its fastest run, since the machine may be shared. The ratio
pipeline / plain is the overhead to keep small (target <= 1.2).

Example:
    python benchmarks/bench_train_step.py                  # CPU, about 2.5 minutes on 2 cores
    python benchmarks/bench_train_step.py --device cuda    # adds AMP on/off
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
DEMO_CONFIG = osp.join(REPO, 'configs/al/entropy_digits_pool11f.py')
from benchmarks.child_process import run_in_child  # noqa: E402


def _plain(args, channels_last, amp, results):
    """Child process: seconds per plain step (fixed batch, loss, backward, AdamW)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmseg_al  # noqa: F401  (compatibility shims)
    from mmseg_al.compat import adapt_cfg_to_device
    from mmseg_al.registry import DATASETS, MODELS

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    init_default_scope('mmseg_al')
    cfg = Config.fromfile(DEMO_CONFIG)
    adapt_cfg_to_device(cfg, launcher='none')
    device = torch.device(args.device)
    model = MODELS.build(cfg.model).to(device).train()
    if channels_last:  # as the driver does: the weights; convolutions then keep NHWC
        model = model.to(memory_format=torch.channels_last)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch_size = cfg.train_dataloader.batch_size
    data = model.data_preprocessor(
        dict(inputs=[dataset[i]['inputs'] for i in range(batch_size)],
             data_samples=[dataset[i]['data_samples'] for i in range(batch_size)]), True)
    inputs, samples = data['inputs'], data['data_samples']
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optimizer.lr,
                                  weight_decay=cfg.optimizer.weight_decay)
    scaler = torch.amp.GradScaler(device.type, enabled=amp)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, torch.float16, enabled=amp):
            losses = model.loss(inputs, samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    for _ in range(args.warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.plain_steps):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    results.put((time.perf_counter() - start) / args.plain_steps)


def plain_step(args, channels_last=False, amp=False):
    return run_in_child(_plain, args, channels_last, amp)


def pipeline_step(args, channels_last=False, amp=False):
    """Mean per-iteration ``time`` of one training phase of al_train.py, after its first
    logging window (mmengine averages ``time`` over ``log_processor.window_size``
    iterations: set to the logging interval, the windows cover every iteration)."""
    with tempfile.TemporaryDirectory() as work_dir:
        options = [f'train_cfg.max_iters={args.pipeline_steps}',
                   'active_learning.num_cycles=0', f'channels_last={channels_last}',
                   f'default_hooks.logger.interval={args.log_interval}',
                   f'log_processor.window_size={args.log_interval}',
                   f'default_hooks.checkpoint.interval={args.pipeline_steps}',
                   f'param_scheduler.0.total_steps={args.pipeline_steps}',
                   'val_dataloader.dataset.indices=16']  # the eval phase is not timed
        command = [sys.executable, osp.join(REPO, 'tools/al_train.py'), DEMO_CONFIG,
                   '--work-dir', work_dir, '--cfg-options', *options]
        if amp:
            command.append('--amp')
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads))
        subprocess.run(command, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times = []
        for path in glob.glob(osp.join(work_dir, 'cycle_0', '*', 'vis_data', 'scalars.json')):
            with open(path) as f:
                times += [json.loads(line)['time'] for line in f
                          if '"time"' in line and '"loss"' in line]
    if len(times) < 2:
        raise RuntimeError('the pipeline run logged too few iterations; raise --pipeline-steps')
    return statistics.mean(times[1:])


def main():
    import torch

    from mmseg_al.engine.environment import cpu_model

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)),
                        help='torch threads of both steps (default: all cores)')
    parser.add_argument('--plain-steps', type=int, default=100)
    parser.add_argument('--pipeline-steps', type=int, default=300)
    parser.add_argument('--log-interval', type=int, default=50)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--repeats', type=int, default=3,
                        help='runs of each case, in turn; the fastest counts')
    args = parser.parse_args()

    cases = [('NCHW', False, False), ('channels_last', True, False)]
    if args.device == 'cuda':
        cases += [('NCHW + AMP', False, True), ('channels_last + AMP', True, True)]
    gpu = f', {torch.cuda.get_device_name()}' if args.device == 'cuda' else ''
    print(f'{time.strftime("%Y-%m-%d")}, {cpu_model()}, {len(os.sched_getaffinity(0))} cores, '
          f'torch threads {args.threads}, device {args.device}{gpu}; load average '
          f'{os.getloadavg()[0]:.2f} at start', flush=True)
    start = time.perf_counter()
    best = {name: [float('inf'), float('inf')] for name, *_ in cases}
    for _ in range(args.repeats):
        for name, channels_last, amp in cases:
            best[name][0] = min(best[name][0], plain_step(args, channels_last, amp))
            best[name][1] = min(best[name][1], pipeline_step(args, channels_last, amp))
    print(f'{"layout":<22}{"plain s/it":>12}{"pipeline s/it":>15}{"pipeline/plain":>16}'
          f'{"plain vs NCHW":>15}')
    baseline = best['NCHW'][0]
    for name, (plain, pipeline) in best.items():
        print(f'{name:<22}{plain:>12.4f}{pipeline:>15.4f}{pipeline / plain:>15.2f}x'
              f'{plain / baseline:>14.2f}x')
    print(f'wall time {time.perf_counter() - start:.0f} s; load average '
          f'{os.getloadavg()[0]:.2f} at the end')


if __name__ == '__main__':
    main()
