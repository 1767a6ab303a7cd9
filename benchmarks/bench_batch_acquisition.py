"""Batch-aware acquisition at the study's scale: selection time and peak memory.

Random stand-ins for what a query pass yields on an A2D2-sized pool (40,000
unlabeled images, 4,000 labeled, 1,000 picks; a pick costs the same whatever the
batch, so ms/pick scales to the study's 10 % steps): per-image scores,
pooled features ``[N, 256]`` (ASPP channels) and BADGE embeddings ``[N, 19 x 256]``
made by ``badge_embeddings`` from random probabilities and classifier inputs. Only
the selection from them is timed: the query pass before it is one forward pass
per image for every method (BADGE adds its embedding maths, timed per image at
the classifier's resolution for 256 x 512 crops, 64 x 128, and extrapolated).
Extra memory is the peak RSS above the inputs (see ``peak_rss.py``); the inputs
each method must hold are listed beside it.

One torch thread by default: on cores shared with other jobs, the per-pick
element-wise passes (parallel above 32,768 elements) wait on OpenMP barriers;
Coreset at 40,000 x 256 took 63-97 ms/pick with 2 threads and 6-11 ms with 1 on a
busy 2-core machine. Give ``--threads`` on a dedicated one.

Run: ``python benchmarks/bench_batch_acquisition.py`` (a few minutes on 2 cores),
or shrink with e.g. ``--num-images 4000``.
"""
import argparse
import os
import os.path as osp
import sys
import time
from types import SimpleNamespace

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from benchmarks.bench_coreset import clustered_features  # noqa: E402
from benchmarks.peak_rss import PeakRSS  # noqa: E402
from mmseg_al.acquisition.badge import BADGEAcquisition  # noqa: E402
from mmseg_al.acquisition.base import top_k  # noqa: E402
from mmseg_al.acquisition.coreset import CoresetAcquisition  # noqa: E402
from mmseg_al.acquisition.functional import badge_embeddings, stochastic_top_k  # noqa: E402
from mmseg_al.engine.environment import cpu_model  # noqa: E402

NUM_CLASSES, CHANNELS = 19, 256


def random_badge_inputs(num, height, width, generator):
    """Softmax probabilities ``[num, C, h, w]`` and non-negative features ``[num, D, h, w]``."""
    logits = 3 * torch.randn(num, NUM_CLASSES, height, width, generator=generator)
    feats = torch.rand(num, CHANNELS, height, width, generator=generator)
    return logits.softmax(1), feats


def random_embeddings(num, projection, generator, batch=500):
    """BADGE embeddings of ``num`` random images (8 x 16 classifier maps), batch by batch."""
    rows = []
    for start in range(0, num, batch):
        embedding = badge_embeddings(*random_badge_inputs(min(batch, num - start), 8, 16,
                                                          generator))
        rows.append(embedding if projection is None else embedding @ projection)
    return torch.cat(rows)


def timed(function):
    """(result, seconds, extra peak RSS in bytes) of ``function()``."""
    with PeakRSS() as memory:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, seconds, memory.extra


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=40000, help='unlabeled pool size')
    parser.add_argument('--num-labeled', type=int, default=4000)
    parser.add_argument('--picks', type=int, default=1000, help='batch size')
    parser.add_argument('--candidate-factor', type=float, default=4,
                        help='UncertainCoreset: candidates per batch slot')
    parser.add_argument('--projection-dim', type=int, default=512,
                        help='BADGE with projected embeddings')
    parser.add_argument('--threads', type=int, default=1, help='torch threads')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    num, picks = args.num_images, args.picks
    generator = torch.Generator().manual_seed(0)
    print(f'{num} unlabeled, {args.num_labeled} labeled, {picks} picks; {cpu_model()}, '
          f'{os.cpu_count()} cores, torch threads {torch.get_num_threads()}')

    probs, feats = random_badge_inputs(64, 64, 128, generator)
    _, seconds, _ = timed(lambda: badge_embeddings(probs, feats))
    print(f'BADGE embedding maths at 64 x 128: {seconds / 64 * 1e3:.1f} ms/image, '
          f'EXTRAPOLATED to the pool: {seconds / 64 * num:.0f} s (inside the query pass)')

    scores = torch.rand(num, generator=generator, dtype=torch.float64)
    unlabeled = clustered_features(num, CHANNELS, seed=0)
    labeled = clustered_features(args.num_labeled, CHANNELS, seed=1)
    projection = torch.randn(NUM_CLASSES * CHANNELS, args.projection_dim,
                             generator=generator) / args.projection_dim**0.5
    embeddings = random_embeddings(num, None, generator)
    projected = random_embeddings(num, projection, generator)
    coreset = CoresetAcquisition()
    ctx = SimpleNamespace(unlabeled_ids=[str(i) for i in range(num)], seed=0)
    num_candidates = min(num, int(args.candidate_factor * picks))

    # Selection centres features in place: each method gets its own copy, made here.
    coreset_inputs = (unlabeled.clone(), labeled.clone())
    hybrid_labeled = labeled.clone()

    def uncertain_coreset():
        candidates = top_k(scores.tolist(), num_candidates)
        candidate_ctx = SimpleNamespace(unlabeled_ids=[ctx.unlabeled_ids[i] for i in candidates],
                                        seed=0)
        return coreset.select_from_features(unlabeled[candidates], hybrid_labeled, picks,
                                            candidate_ctx, 'cpu')

    def d2(points):
        return lambda: BADGEAcquisition.select_from_embeddings(
            points, picks, torch.Generator().manual_seed(0))

    def held(*tensors):
        return sum(t.numel() * t.element_size() for t in tensors)

    methods = [
        ('top-k', lambda: top_k(scores.tolist(), picks), held(scores)),
        ('stochastic power', lambda: stochastic_top_k(scores, picks, 'power', 1.0, generator),
         held(scores)),
        ('stochastic softrank',
         lambda: stochastic_top_k(scores, picks, 'softrank', 1.0, generator), held(scores)),
        ('Coreset (k-center greedy)',
         lambda: coreset.select_from_features(*coreset_inputs, picks, ctx, 'cpu'),
         held(unlabeled, labeled)),
        (f'UncertainCoreset ({args.candidate_factor:g}x)', uncertain_coreset,
         held(scores, unlabeled, labeled)),
        (f'BADGE (k-means++, {NUM_CLASSES * CHANNELS} dims)', d2(embeddings), held(embeddings)),
        (f'BADGE (k-means++, projected to {args.projection_dim})', d2(projected),
         held(projected)),
    ]
    rows = []
    for name, function, inputs in methods:
        _, seconds, extra = timed(function)
        rows.append((name, seconds, extra, inputs))
        print(f'  {name}: {seconds:.2f} s', flush=True)
    base, coreset_seconds = rows[0][1], rows[3][1]
    print('\n| method | selection s | ms/pick | vs top-k | vs Coreset | extra peak RSS MiB '
          '| inputs held MiB |\n|---|---:|---:|---:|---:|---:|---:|')
    for name, seconds, extra, inputs in rows:
        print(f'| {name} | {seconds:.3f} | {seconds / picks * 1e3:.2f} | {seconds / base:.0f}x '
              f'| {seconds / coreset_seconds:.3f}x | {extra / 2**20:.0f} | {inputs / 2**20:.0f} |')
    print(f'\nwall time {time.perf_counter() - started:.0f} s')


if __name__ == '__main__':
    main()
