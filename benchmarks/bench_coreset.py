"""k-center greedy (Coreset): ours vs the authors' approach, and vs the bandwidth floor.

Authors' approach: each pick recomputes sklearn ``pairwise_distances`` between the
unlabeled set and all centers so far (labeled + picked), then min / argmax in
Python. It is far too slow to run in full, so it runs ``--baseline-picks`` picks;
its per-pick time grows linearly with the number of centers, so the full run is
extrapolated as ``sum_i a * (Nl + i)`` with ``a`` fitted on the measured picks.

Ours keeps one min-distance vector and updates it with one mat-vec per pick; the
floor for that is one full pass over the feature matrix (timed here as a mat-vec).
Extra memory is the peak RSS above the features (see ``peak_rss.py``).

Run: ``python benchmarks/bench_coreset.py`` (both cases from the issue), or shrink
with e.g. ``--cases 4000x256 --num-labeled 400 --picks 100``. ``--device cuda`` runs
the torch backend on the GPU and faiss on it too (faiss-gpu; a faiss that cannot is
reported as unavailable); the memory is then the CUDA peak above the features.
"""
import argparse
import json
import os.path as osp
import sys
import time

import numpy as np
import torch
from sklearn.metrics import pairwise_distances

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from benchmarks.peak_rss import PeakRSS  # noqa: E402
from mmseg_al.acquisition.coreset import covering_radius, random_projection  # noqa: E402
from mmseg_al.acquisition.functional import k_center_greedy  # noqa: E402


def clustered_features(num, dim, seed):
    """Roughly centred features in 64 clusters (as pooled CNN features group), float32."""
    gen = torch.Generator().manual_seed(seed)
    centers = torch.randn(64, dim, generator=torch.Generator().manual_seed(0)) * 3
    features = torch.randn(num, dim, generator=gen)
    features += centers[torch.randint(0, 64, (num, ), generator=gen)]
    return features


def _synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def one_pass_seconds(features, repeats=5):
    """Median time of one mat-vec over the feature matrix: the per-pick floor."""
    vector = features[0].clone()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        features @ vector
        _synchronize(features.device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _record(args, **row):
    if args.json:
        with open(args.json, 'a') as f:
            f.write(json.dumps(dict(check='kcenter', device=args.device, **row)) + '\n')


def authors_picks(unlabeled, labeled, picks):
    """Greedy as in the authors' code: full Nu x (Nl + i) distances every pick."""
    centers = labeled.copy()
    chosen, seconds = [], []
    for _ in range(picks):
        start = time.perf_counter()
        nearest = pairwise_distances(unlabeled, centers).min(axis=1)
        j = int(np.argmax(nearest))
        chosen.append(j)
        centers = np.concatenate([centers, unlabeled[j:j + 1]])
        seconds.append(time.perf_counter() - start)
    return chosen, seconds


def run_case(num_unlabeled, dim, args):
    print(f'\n== {num_unlabeled} x {dim} float32 unlabeled, {args.num_labeled} labeled, '
          f'{args.picks} picks ==')
    unlabeled = clustered_features(num_unlabeled, dim, seed=0)
    labeled = clustered_features(args.num_labeled, dim, seed=1)
    device = torch.device(args.device)
    on_device = unlabeled.to(device), labeled.to(device)
    matrix_bytes = unlabeled.numel() * 4
    floor = one_pass_seconds(on_device[0])
    print(f'feature matrix {matrix_bytes / 2**20:.0f} MiB; one full pass (mat-vec): '
          f'{floor * 1e3:.1f} ms')

    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated() if device.type == 'cuda' else 0
    with PeakRSS() as memory:
        start = time.perf_counter()
        picked, radius = k_center_greedy(*on_device, args.picks)
        _synchronize(device)
        ours = time.perf_counter() - start
    extra = torch.cuda.max_memory_allocated() - base if device.type == 'cuda' else memory.extra
    picked, radius = picked.cpu(), radius.cpu()
    # Split off the initial min-distance pass (Nu x Nl distances, tiled).
    start = time.perf_counter()
    k_center_greedy(*on_device, 0)
    _synchronize(device)
    initial = time.perf_counter() - start
    per_pick = (ours - initial) / args.picks
    print(f'ours (torch, {device.type}): {ours:.2f} s total = {initial:.2f} s initial '
          f'distances + {per_pick * 1e3:.1f} ms/pick; covering radius {radius[0]:.2f} -> '
          f'{radius[-1]:.2f}')
    print(f'  per pick vs one full pass: {per_pick / floor:.2f}x (target <= 2x)')
    print(f'  extra memory ({"CUDA" if device.type == "cuda" else "RSS"} peak above '
          f'features): {extra / 2**20:.0f} MiB = {extra / matrix_bytes:.2f}x the feature '
          'matrix (target <= 1x)')
    _record(args, backend='torch', case=f'{num_unlabeled}x{dim}', picks=args.picks,
            seconds=ours, per_pick_ms=per_pick * 1e3, extra_mib=extra / 2**20)

    if args.projection_dim and args.projection_dim < dim:
        start = time.perf_counter()
        projected = random_projection(unlabeled, labeled, args.projection_dim, seed=0)
        projected_picked, _ = k_center_greedy(*projected, args.picks)
        projected_seconds = time.perf_counter() - start
        _, projected_radius = covering_radius(unlabeled, labeled, projected_picked)
        print(f'random projection to {args.projection_dim} dims: {projected_seconds:.2f} s '
              f'(projection included); covering radius in the original space '
              f'{projected_radius:.2f} vs {radius[-1]:.2f} without projection '
              f'({projected_radius / radius[-1] - 1:+.1%}); overlap of picks '
              f'{len(set(projected_picked.tolist()) & set(picked.tolist()))}/{args.picks}')

    if 'faiss' in args.backends:
        faiss_case(unlabeled, labeled, picked, radius, args)

    if args.baseline_picks:
        base_picked, seconds = authors_picks(unlabeled.numpy(), labeled.numpy(),
                                             args.baseline_picks)
        slope = np.mean([t / (args.num_labeled + i) for i, t in enumerate(seconds)])
        estimate = slope * sum(args.num_labeled + i for i in range(args.picks))
        print(f'authors (sklearn pairwise_distances per pick): measured {len(seconds)} picks, '
              f'{np.mean(seconds):.2f} s/pick; same first picks as ours: '
              f'{base_picked == picked[:len(base_picked)].tolist()}')
        print(f'  EXTRAPOLATED to {args.picks} picks: {estimate:.0f} s ({estimate / 60:.1f} min)')
        print(f'  speed-up ours vs authors (extrapolated): {estimate / ours:.0f}x (target >= 50x)')


def faiss_case(unlabeled, labeled, picked, radius, args):
    """The faiss backend on the same features (on the GPU with ``--device cuda``)."""
    from mmseg_al.acquisition.kcenter_faiss import k_center_greedy_faiss
    case = 'x'.join(map(str, unlabeled.shape))
    try:
        with PeakRSS() as faiss_memory:
            start = time.perf_counter()
            faiss_picked, faiss_radius = k_center_greedy_faiss(
                unlabeled, labeled, args.picks, use_gpu=args.device == 'cuda')
            faiss_seconds = time.perf_counter() - start
    except (ImportError, RuntimeError) as err:  # no faiss, or a faiss that sees no GPU
        print(f'ours (faiss): unavailable: {err}')
        _record(args, backend='faiss', case=case, error=str(err))
        return
    _record(args, backend='faiss', case=case, picks=args.picks, seconds=faiss_seconds)
    ours_list, faiss_list = picked.tolist(), faiss_picked.tolist()
    same_prefix = next((i for i, (a, b) in enumerate(zip(ours_list, faiss_list)) if a != b),
                       args.picks)
    print(f'ours (faiss): {faiss_seconds:.2f} s, extra memory '
          f'{faiss_memory.extra / (unlabeled.numel() * 4):.2f}x the feature matrix (RSS)')
    print(f'  agreement with torch: first {same_prefix} of {args.picks} picks identical, '
          f'same set: {set(ours_list) == set(faiss_list)}, final radius rel. diff '
          f'{abs(faiss_radius[-1] / radius[-1] - 1):.1e}')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', nargs='+', default=['40000x2048', '200000x256'],
                        help='unlabeled pool sizes as NUMxDIM')
    parser.add_argument('--num-labeled', type=int, default=4000)
    parser.add_argument('--picks', type=int, default=1000)
    parser.add_argument('--baseline-picks', type=int, default=2,
                        help='picks of the authors approach actually run (0: skip)')
    parser.add_argument('--backends', nargs='+', default=['torch', 'faiss'])
    parser.add_argument('--projection-dim', type=int, default=128,
                        help='also pick on randomly projected features (0: skip)')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--json', metavar='FILE', help='also append one JSON line per backend')
    return parser.parse_args(argv)


def main():
    args = parse_args()
    print(f'torch threads: {torch.get_num_threads()}')
    for case in args.cases:
        num, dim = (int(v) for v in case.lower().split('x'))
        run_case(num, dim, args)


if __name__ == '__main__':
    main()
