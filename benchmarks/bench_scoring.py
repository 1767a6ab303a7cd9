"""Scoring pass of every acquisition: images/s, peak memory, wall time at 40,000 images.

The study's query pass: DeepLabv3+ WRN-38 (``configs/_base_/models/
deeplabv3plus_wrn38.py``, random weights, 19 classes; BALD on its MC-dropout twin)
over A2D2 frames at 1/3 resolution, 640x402 (generated, so no data is needed).
Each acquisition selects one image from ``--images`` unlabeled images in its own
spawned process, and its ``select`` is timed whole: the model passes, its maths
and the (tiny) selection. s/image x 40,000 is the expected wall time of one query
pass over A2D2-3K's pool on this device (one process; under torchrun each rank
scores 1/N of the pool). On the CPU only a few images are measured, so that figure
is EXTRAPOLATED. Coreset and Uncertain-Coreset also pass over the labeled images
(1,000-3,000 in A2D2-3K: 2.5-7.5 % more) and then run the k-center greedy
(seconds; see bench_coreset.py). Peak memory is the process RSS above its value
when ``select`` starts (CPU; see ``peak_rss.py``) or the CUDA peak above the
model's own allocation.

``--growth`` checks instead that scoring memory does not grow with the pool: the
peak of a pool of ``--images`` images and of one 10x larger (the digit MC-dropout
model at 64x128 by default), plus the Python-object peak from ``tracemalloc``
(what is kept per image; blind to torch's tensor storage). The children pin
glibc's mmap threshold (``MALLOC_MMAP_THRESHOLD_``): by default glibc raises it
after large frees, and RSS then drifts by tens of MiB without being live memory.

Examples:
    python benchmarks/bench_scoring.py                     # CPU, 2 images each, ~5 min
    python benchmarks/bench_scoring.py --device cuda --images 64 --batch-size 16 --amp
    python benchmarks/bench_scoring.py --growth            # BALD, pools of 100 and 1,000
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
import traceback
import tracemalloc

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
import mmseg_al  # noqa: E402,F401  (compatibility shims before mmseg)
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import DefaultSampler, pseudo_collate  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402

from benchmarks.child_process import run_in_child  # noqa: E402
from benchmarks.peak_rss import PeakRSS  # noqa: E402
from mmseg_al.acquisition.base import AcquisitionContext  # noqa: E402
from mmseg_al.compat import adapt_cfg_to_device  # noqa: E402
from mmseg_al.engine.environment import cpu_model  # noqa: E402
from mmseg_al.registry import ACQUISITIONS, MODELS  # noqa: E402

WRN38 = osp.join(REPO, 'configs/_base_/models/deeplabv3plus_wrn38.py')
WRN38_MCD = osp.join(REPO, 'configs/_base_/models/deeplabv3plus_wrn38_mcd.py')
DIGITS_MCD = osp.join(REPO, 'configs/_base_/models/deeplabv3plus_r18_digits_mcd.py')
POOL_3K = 40000  # A2D2-3K selects from (about) all 40,135 train frames
# name: (acquisition config, needs the MC-dropout model, what one image costs)
METHODS = {
    'Random': (dict(type='RandomAcquisition'), False, 'no model pass'),
    'Entropy': (dict(type='EntropyAcquisition'), False, '1 forward'),
    'EquAL': (dict(type='EquALAcquisition'), False, '2 forwards (image, flip)'),
    'BALD': (dict(type='BALDAcquisition', num_samples=20), True, 'encoder + 20 decoder'),
    'Coreset': (dict(type='CoresetAcquisition'), False, '1 forward (features)'),
    'BADGE': (dict(type='BADGEAcquisition'), False, '1 forward + embeddings'),
    'UncertainCoreset': (dict(type='UncertainCoresetAcquisition'), False,
                         'Entropy + Coreset passes'),
}


class GeneratedImages(Dataset):
    """Query items whose image is drawn from a per-index seed when asked for: the pool
    itself takes no memory."""

    def __init__(self, num, size):
        self.num, self.size = num, tuple(size)

    def __len__(self):
        return self.num

    def __getitem__(self, idx):
        gen = torch.Generator().manual_seed(idx)
        image = torch.randint(0, 256, (3, *self.size), generator=gen, dtype=torch.uint8)
        sample = SegDataSample(metainfo=dict(img_path=f'gen_{idx}.png', img_shape=self.size,
                                             ori_shape=self.size, pad_shape=self.size))
        return dict(inputs=image, data_samples=sample)


def _measure(options, results):
    """Child process: one acquisition's ``select`` over ``options['images']`` images."""
    torch.manual_seed(0)
    device = torch.device(options['device'])
    cfg = Config.fromfile(options['config'])
    adapt_cfg_to_device(cfg, launcher='none')
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        model = MODELS.build(cfg.model).to(device).eval()
        acquisition = ACQUISITIONS.build(options['acquisition'])

    def context(num):
        dataset = GeneratedImages(num, options['size'])
        loader = DataLoader(
            dataset, batch_size=options['batch_size'], collate_fn=pseudo_collate,
            sampler=DefaultSampler(dataset, shuffle=False))
        return AcquisitionContext(model=model, unlabeled_loader=loader, labeled_loader=None,
                                  unlabeled_ids=[f'gen_{i}' for i in range(num)],
                                  labeled_ids=[], seed=0, cycle=0, amp=options['amp'])

    num = options['images']
    if device.type == 'cuda':  # kernels chosen and memory pools made before the clock
        acquisition.select(context(options['batch_size']), 1)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated() if device.type == 'cuda' else 0
    if options['tracemalloc']:
        tracemalloc.start()
    with PeakRSS() as memory:
        start = time.perf_counter()
        selection = acquisition.select(context(num), max(1, num // 10))
        seconds = time.perf_counter() - start
    python_peak = tracemalloc.get_traced_memory()[1] if options['tracemalloc'] else None
    peak = (torch.cuda.max_memory_allocated() - base if device.type == 'cuda'
            else memory.extra)
    score_bytes = sys.getsizeof(selection.scores) + sum(
        sys.getsizeof(v) for v in selection.scores.values())
    results.put(dict(seconds=seconds, peak=peak, python_peak=python_peak,
                     score_bytes=score_bytes, num_classes=model.decode_head.num_classes))


def _quiet_measure(options, results):
    # The pass's progress bars and the stack's warnings would interleave the table;
    # an error still reaches the terminal.
    sys.stderr = open(os.devnull, 'w')
    try:
        _measure(options, results)
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        raise


def measure(**options):
    """Run :func:`_measure` in a fresh process (its own peak memory and allocator)."""
    return run_in_child(_quiet_measure, options)


def _duration(seconds):
    return f'{seconds / 3600:.1f} h' if seconds >= 3600 else f'{seconds / 60:.1f} min'


def throughput(args):
    """The table of every acquisition's scoring pass at the study's resolution."""
    where = torch.cuda.get_device_name() if args.device == 'cuda' else (
        f'{cpu_model()}, {len(os.sched_getaffinity(0))} cores, torch threads '
        f'{torch.get_num_threads()}')
    height, width = args.size
    print(f'{time.strftime("%Y-%m-%d")}, {where}; WRN-38 DeepLabv3+ at {width}x{height}, '
          f'batch {args.batch_size}, {args.images} images each, AMP {args.amp}; load average '
          f'{os.getloadavg()[0]:.2f}', flush=True)
    memory = 'peak CUDA' if args.device == 'cuda' else 'peak RSS'
    print(f'{"acquisition":<18}{"what one image costs":<26}{"s/image":>9}{"images/s":>10}'
          f'{"40,000 images":>16}{memory:>12}')
    started = time.perf_counter()
    for name in args.methods:
        acquisition, mcd, cost = METHODS[name]
        result = measure(config=WRN38_MCD if mcd else WRN38, acquisition=acquisition,
                         device=args.device, size=args.size, images=args.images,
                         batch_size=args.batch_size, amp=args.amp, tracemalloc=False)
        per_image = result['seconds'] / args.images
        total = _duration(per_image * POOL_3K) + (' (extr.)' if args.device == 'cpu' else '')
        rate = f'{1 / per_image:.2f}'
        if name == 'Random':  # picks ids: nothing to time per image
            per_image, rate, total = 0, '-', '-'
        print(f'{name:<18}{cost:<26}{per_image:>9.3f}{rate:>10}{total:>16}'
              f'{result["peak"] / 2**20:>8.0f} MiB', flush=True)
        if args.json:
            with open(args.json, 'a') as f:
                f.write(json.dumps(dict(check='scoring', method=name, amp=args.amp,
                                        images_per_s=1 / per_image if per_image else None,
                                        hours_40k=per_image * POOL_3K / 3600,
                                        peak_mib=result['peak'] / 2**20)) + '\n')
    print(f'wall time {time.perf_counter() - started:.0f} s')


def growth(args):
    """Peak memory scoring a pool and one 10x larger: it must not grow per image."""
    os.environ['MALLOC_MMAP_THRESHOLD_'] = '131072'  # inherited by the spawned children
    name = args.methods[0]
    acquisition = dict(METHODS[name][0])
    peaks = {num: measure(config=args.config or DIGITS_MCD, acquisition=acquisition,
                          device=args.device, size=args.size, images=num,
                          batch_size=args.batch_size, amp=False, tracemalloc=True)
             for num in (args.images, 10 * args.images)}
    small, large = peaks[args.images], peaks[10 * args.images]
    rss_growth = large['peak'] - small['peak']
    python_growth = large['python_peak'] - small['python_peak']
    height, width = args.size
    extra_images, mib = 9 * args.images, 2**20
    prob_map = large['num_classes'] * height * width * 4
    print(f'{name}, pools of {args.images} and {10 * args.images} images {height}x{width}')
    print(f'peak RSS above start of select: {small["peak"] / mib:.1f} MiB and '
          f'{large["peak"] / mib:.1f} MiB: growth {rss_growth / mib:+.1f} MiB '
          f'({rss_growth / extra_images:+.0f} bytes per extra image)')
    print(f'Python-object peak (tracemalloc): {small["python_peak"] / mib:.2f} MiB and '
          f'{large["python_peak"] / mib:.2f} MiB: growth {python_growth / mib:+.2f} MiB; '
          f'score structures of the large pool: {large["score_bytes"] / mib:.2f} MiB')
    print(f'for scale: keeping one probability map per image would add '
          f'{extra_images * prob_map / mib:.0f} MiB ({prob_map} bytes per image)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--methods', nargs='+', choices=list(METHODS), default=None,
                        help='default: all (--growth: BALD)')
    parser.add_argument('--images', type=int, default=None,
                        help='unlabeled images per method (default 2; --growth: 100)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='query batch (default 2; --growth: 4)')
    parser.add_argument('--size', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help='default 402 640 (A2D2 at 1/3); --growth: 64 128')
    parser.add_argument('--amp', action='store_true',
                        help='query passes under CUDA autocast, as after --amp training')
    parser.add_argument('--json', metavar='FILE', help='also append one JSON line per row')
    parser.add_argument('--growth', action='store_true',
                        help='memory of a pool vs one 10x larger, instead of the table')
    parser.add_argument('--config', help='--growth: model config (default: the digit MCD '
                        'model)')
    args = parser.parse_args(argv)
    if args.amp and args.device != 'cuda':
        parser.error('--amp is CUDA autocast: give --device cuda')
    defaults = (['BALD'], 100, 4, [64, 128]) if args.growth else (list(METHODS), 2, 2,
                                                                   [402, 640])
    for key, default in zip(('methods', 'images', 'batch_size', 'size'), defaults):
        if getattr(args, key) is None:
            setattr(args, key, default)
    return args


def main():
    args = parse_args()
    if args.growth:
        growth(args)
    else:
        throughput(args)


if __name__ == '__main__':
    main()
