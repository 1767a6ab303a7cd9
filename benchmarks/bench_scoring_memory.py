"""Scoring memory: peak RSS of a query pass over a pool and over one 10x larger.

Scoring streams batch by batch and keeps one number per image, so the peak may
grow with the pool only by the per-image score structures (the score list and
``Selection.scores``), never by images or probability maps. Each pool size runs
in a fresh process and reports two peaks during ``select``: the process RSS above
its value just before (all memory, torch tensors included; see ``peak_rss.py``),
and the Python-object peak from
``tracemalloc`` (explicit accounting of what is kept per image; it cannot see
torch's tensor storage). Images are generated on access, so the pool itself
takes no memory. The children pin glibc's mmap threshold (MALLOC_MMAP_THRESHOLD_):
by default glibc raises it after large frees, so freed per-batch tensors stay in a
growing heap and RSS drifts by tens of MiB between runs, which is not live memory.

Run: ``python benchmarks/bench_scoring_memory.py`` (BALD, T = 20, pools of 100 and
1,000 images of 64x128); ``--method entropy`` or ``--num-images`` to change.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
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

from benchmarks.peak_rss import PeakRSS  # noqa: E402
from mmseg_al.acquisition.base import AcquisitionContext  # noqa: E402
from mmseg_al.registry import ACQUISITIONS, MODELS  # noqa: E402

METHODS = dict(bald='BALDAcquisition', entropy='EntropyAcquisition', equal='EquALAcquisition')


class GeneratedImages(Dataset):
    """Query items whose image is drawn from a per-index seed when asked for."""

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


def measure(args):
    """One pool size in this process: peak RSS above the start of ``select``."""
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        model = MODELS.build(Config.fromfile(args.config).model).eval()
    dataset = GeneratedImages(args.child, args.size)
    loader = DataLoader(dataset, batch_size=args.batch_size, collate_fn=pseudo_collate,
                        sampler=DefaultSampler(dataset, shuffle=False))
    ids = [f'gen_{i}' for i in range(args.child)]
    ctx = AcquisitionContext(model=model, unlabeled_loader=loader, labeled_loader=None,
                             unlabeled_ids=ids, labeled_ids=[], seed=0, cycle=0)
    cfg = dict(type=METHODS[args.method])
    if args.method == 'bald':
        cfg['num_samples'] = args.num_samples
    acquisition = ACQUISITIONS.build(cfg)
    tracemalloc.start()
    with PeakRSS() as memory:
        selection = acquisition.select(ctx, args.child // 10)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    score_bytes = sys.getsizeof(selection.scores) + sum(
        sys.getsizeof(v) for v in selection.scores.values())
    print(json.dumps(dict(extra=memory.extra, python_peak=python_peak, score_bytes=score_bytes,
                          num_classes=model.decode_head.num_classes)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs/_base_/models/deeplabv3plus_r18_digits_mcd.py'))
    parser.add_argument('--method', choices=sorted(METHODS), default='bald')
    parser.add_argument('--num-samples', type=int, default=20, help='T for BALD')
    parser.add_argument('--num-images', type=int, default=100, help='the smaller pool')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 128], metavar=('H', 'W'))
    parser.add_argument('--child', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args)

    peaks = {}
    for num in (args.num_images, 10 * args.num_images):
        command = [sys.executable, __file__, '--child', str(num)] + sys.argv[1:]
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='131072')
        out = subprocess.run(command, check=True, capture_output=True, text=True,
                             env=env).stdout
        peaks[num] = json.loads(out.strip().splitlines()[-1])
    small, large = (peaks[n] for n in sorted(peaks))
    growth = large['extra'] - small['extra']
    python_growth = large['python_peak'] - small['python_peak']
    height, width = args.size
    prob_map = large['num_classes'] * height * width * 4
    extra_images = 9 * args.num_images
    mib = 2**20
    print(f'{args.method}, pools of {args.num_images} and {10 * args.num_images} images '
          f'{height}x{width}')
    print(f'peak RSS above start of select: {small["extra"] / mib:.1f} MiB and '
          f'{large["extra"] / mib:.1f} MiB: growth {growth / mib:+.1f} MiB '
          f'({growth / extra_images:+.0f} bytes per extra image)')
    print(f'Python-object peak (tracemalloc): {small["python_peak"] / mib:.2f} MiB and '
          f'{large["python_peak"] / mib:.2f} MiB: growth {python_growth / mib:+.2f} MiB; '
          f'score structures of the large pool: {large["score_bytes"] / mib:.2f} MiB')
    print(f'for scale: keeping one probability map per image would add '
          f'{extra_images * prob_map / mib:.0f} MiB ({prob_map} bytes per image)')


if __name__ == '__main__':
    main()
