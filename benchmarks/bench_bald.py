"""BALD: encoder once + T stochastic decoder passes (ours) vs T full forward passes.

Both draw the same dropout masks (one generator per image, seeded alike), so
the scores must agree; the ratio is the speed-up of caching the encoder
features and batching the T decoder passes.

Run: ``python benchmarks/bench_bald.py`` (T = 20, DeepLabv3+ R18 with MC
dropout, 4 images of 64x128); shrink or grow with ``--num-samples``,
``--images``, ``--size``.
"""
import argparse
import os.path as osp
import sys
import time

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
import mmseg_al  # noqa: E402,F401  (compatibility shims before mmseg)
from mmseg.structures import SegDataSample  # noqa: E402

from mmseg_al.acquisition.bald import BALDAcquisition  # noqa: E402
from mmseg_al.acquisition.functional import bald_scores  # noqa: E402
from mmseg_al.acquisition.mc_dropout import mc_dropout  # noqa: E402
from mmseg_al.registry import MODELS  # noqa: E402


def build_model(config, checkpoint):
    """The config's model with trained weights, or with a sharpened classifier.

    Freshly initialised, mmseg's classifier (std 0.01) predicts nearly uniform
    probabilities and every BALD score is ~1e-8; scaling it up makes the MC
    samples disagree as a trained model's do, so "same scores" is a real check.
    """
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        model = MODELS.build(cfg.model).eval()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.decode_head.conv_seg.weight.data.mul_(100)
    return model


def full_forward_scores(model, acquisition, inputs, data_samples):
    """The usual way: T complete forward passes per image, then ``bald_scores``."""
    scores = []
    with mc_dropout(model):
        for i, sample in enumerate(data_samples):
            with torch.random.fork_rng():
                torch.manual_seed(acquisition.image_seed(sample.metainfo))
                mc = torch.stack([
                    model.encode_decode(inputs[i:i + 1], [sample.metainfo]).float().softmax(1)
                    for _ in range(acquisition.num_samples)])
            scores.append(bald_scores(mc))
    return torch.cat(scores)


def timed(fn, repeats):
    best, result = float('inf'), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs/_base_/models/deeplabv3plus_r18_digits_mcd.py'))
    parser.add_argument('--checkpoint', help='trained weights (default: sharpened init)')
    parser.add_argument('--num-samples', type=int, default=20, help='T')
    parser.add_argument('--images', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 128], metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=2, help='best of this many runs')
    args = parser.parse_args()

    model = build_model(args.config, args.checkpoint)
    torch.manual_seed(0)
    inputs = torch.randn(args.images, 3, *args.size)
    shape = tuple(args.size)
    data_samples = [SegDataSample(metainfo=dict(img_path=f'bench_{i}.png', img_shape=shape,
                                                ori_shape=shape, pad_shape=shape))
                    for i in range(args.images)]
    acquisition = BALDAcquisition(num_samples=args.num_samples)
    print(f'{type(model.decode_head).__name__}, T = {args.num_samples}, {args.images} images '
          f'{shape[0]}x{shape[1]}, torch threads {torch.get_num_threads()}')

    base_s, base = timed(lambda: full_forward_scores(model, acquisition, inputs, data_samples),
                         args.repeats)
    ours_s, ours = timed(lambda: acquisition.score_batch(model, inputs, data_samples),
                         args.repeats)
    print(f'T full forward passes: {base_s:.3f} s ({base_s / args.images:.3f} s/image)')
    print(f'ours (encoder and deterministic decoder once, stochastic part T times): '
          f'{ours_s:.3f} s ({ours_s / args.images:.3f} s/image)')
    rounded = [round(v, 4) for v in ours.tolist()]
    print(f'same scores: {torch.allclose(ours, base, rtol=1e-4)} (max rel. diff '
          f'{((ours - base).abs() / base).max():.1e}; scores {rounded})')
    print(f'speed-up: {base_s / ours_s:.2f}x (target >= 3x)')


if __name__ == '__main__':
    main()
