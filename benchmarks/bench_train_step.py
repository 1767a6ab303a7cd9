"""Training step of the AL pipeline next to a plain torch loop on the same model and batch.

The plain step is the floor: the digit model of the README demo, one fixed batch
already on the device, ``model.loss`` + backward + AdamW, nothing else. The
pipeline step is what ``tools/al_train.py`` really runs per iteration (data
loading, the train pipeline, the data preprocessor, every hook, logging),
measured as mmengine's own per-iteration ``time`` over a short training phase.
Both run in the same invocation, each in its own process with the same torch
thread count, with and without ``channels_last``; on CUDA also with AMP. The
ratio pipeline / plain is the overhead to keep small (target <= 1.2).

Example:
    python benchmarks/bench_train_step.py                  # CPU, 300 pipeline iterations
    python benchmarks/bench_train_step.py --device cuda    # adds AMP on/off
"""
import argparse
import glob
import json
import multiprocessing
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs/al/entropy_digits_pool11f.py')


def cpu_name():
    with open('/proc/cpuinfo') as f:
        names = [line.split(':', 1)[1].strip() for line in f if line.startswith('model name')]
    return names[0] if names else platform.processor()


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
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch_size = cfg.train_dataloader.batch_size
    data = model.data_preprocessor(
        dict(inputs=[dataset[i]['inputs'] for i in range(batch_size)],
             data_samples=[dataset[i]['data_samples'] for i in range(batch_size)]), True)
    inputs, samples = data['inputs'], data['data_samples']
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
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
    context = multiprocessing.get_context('spawn')
    results = context.Queue()
    process = context.Process(target=_plain, args=(args, channels_last, amp, results))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f'plain step failed (exit code {process.exitcode})')
    return results.get()


def pipeline_step(args, channels_last=False, amp=False):
    """Median of mmengine's per-iteration ``time`` over one training phase of al_train.py."""
    with tempfile.TemporaryDirectory() as work_dir:
        options = [f'train_cfg.max_iters={args.pipeline_steps}',
                   'active_learning.num_cycles=0', f'channels_last={channels_last}',
                   f'default_hooks.logger.interval={args.log_interval}',
                   f'default_hooks.checkpoint.interval={args.pipeline_steps}',
                   f'param_scheduler.0.total_steps={args.pipeline_steps}']
        command = [sys.executable, osp.join(REPO, 'tools/al_train.py'), DEMO_CONFIG,
                   '--work-dir', work_dir, '--cfg-options', *options]
        if amp:
            command.append('--amp')
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads))
        subprocess.run(command, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        times = []
        for path in glob.glob(osp.join(work_dir, 'cycle_0', '*', 'vis_data', 'scalars.json')):
            with open(path) as f:
                times += [json.loads(line)['time'] for line in f
                          if '"time"' in line and '"loss"' in line]
    if len(times) < 2:
        raise RuntimeError('the pipeline run logged too few iterations; raise --pipeline-steps')
    return statistics.median(times[1:])  # the first window holds the start-up


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--threads', type=int, default=os.cpu_count(),
                        help='torch threads of both steps (default: all cores)')
    parser.add_argument('--plain-steps', type=int, default=100)
    parser.add_argument('--pipeline-steps', type=int, default=300)
    parser.add_argument('--log-interval', type=int, default=50)
    parser.add_argument('--warmup', type=int, default=10)
    args = parser.parse_args()

    cases = [('NCHW', False, False), ('channels_last', True, False)]
    if args.device == 'cuda':
        cases += [('NCHW + AMP', False, True), ('channels_last + AMP', True, True)]
    print(f'CPU: {cpu_name()}, {os.cpu_count()} cores, torch threads {args.threads}, '
          f'device {args.device}')
    print(f'{"layout":<22}{"plain s/it":>12}{"pipeline s/it":>15}{"pipeline/plain":>16}')
    start = time.perf_counter()
    baseline = None
    for name, channels_last, amp in cases:
        plain = plain_step(args, channels_last, amp)
        pipeline = pipeline_step(args, channels_last, amp)
        baseline = baseline or plain
        print(f'{name:<22}{plain:>12.4f}{pipeline:>15.4f}{pipeline / plain:>15.2f}x'
              f'   (plain vs NCHW plain: {plain / baseline:.2f}x)', flush=True)
    print(f'wall time {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
