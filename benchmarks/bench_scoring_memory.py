"""Scoring memory: peak RSS of a query pass over a pool and over one 10x larger.

Scoring streams batch by batch and keeps one number per image, so the peak may
grow with the pool only by the per-image score structures (the score list and
``Selection.scores``), never by images or probability maps. Each pool size runs
in a fresh process (so allocator caches from one run cannot hide the other's
peak) and reports the peak RSS above the RSS just before ``select`` (see
``peak_rss.py``). Images are generated on access, so the pool itself takes no
memory.

Run: ``python benchmarks/bench_scoring_memory.py`` (BALD, T = 20, pools of 40 and
400 images of 64x128); ``--method entropy`` or ``--num-images`` to change.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys

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
    with PeakRSS() as memory:
        selection = acquisition.select(ctx, args.child // 10)
    score_bytes = sys.getsizeof(selection.scores) + sum(
        sys.getsizeof(v) for v in selection.scores.values())
    print(json.dumps(dict(extra=memory.extra, score_bytes=score_bytes,
                          num_classes=model.decode_head.num_classes)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs/_base_/models/deeplabv3plus_r18_digits_mcd.py'))
    parser.add_argument('--method', choices=sorted(METHODS), default='bald')
    parser.add_argument('--num-samples', type=int, default=20, help='T for BALD')
    parser.add_argument('--num-images', type=int, default=40, help='the smaller pool')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 128], metavar=('H', 'W'))
    parser.add_argument('--child', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args)

    peaks = {}
    for num in (args.num_images, 10 * args.num_images):
        command = [sys.executable, __file__, '--child', str(num)] + sys.argv[1:]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        peaks[num] = json.loads(out.strip().splitlines()[-1])
    small, large = (peaks[n] for n in sorted(peaks))
    growth = large['extra'] - small['extra']
    height, width = args.size
    prob_map = large['num_classes'] * height * width * 4
    mib = 2**20
    print(f'{args.method}: peak RSS above start of select, pool {args.num_images}: '
          f'{small["extra"] / mib:.1f} MiB; pool {10 * args.num_images}: '
          f'{large["extra"] / mib:.1f} MiB')
    print(f'growth for 10x the pool: {growth / mib:.2f} MiB; score structures of the large '
          f'pool: {large["score_bytes"] / mib:.2f} MiB; one image probability map: '
          f'{prob_map / mib:.2f} MiB')
    per_image = growth / (9 * args.num_images)
    print(f'growth per extra image: {per_image:.0f} bytes (one input image: '
          f'{3 * height * width} bytes, one probability map: {prob_map} bytes); '
          f'RSS sampling noise is a few MiB')
    print(f'grows by less than the score structures + one probability map: '
          f'{growth < large["score_bytes"] + prob_map}')


if __name__ == '__main__':
    main()
