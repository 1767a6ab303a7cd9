"""Redundancy scores of the study's digit-scene pools, on freshly generated scenes.

Generates the digit scenes (and Pool-0f/5f/11f/21f/Aug) for each seed in a temporary
folder, then prints, per pool, every candidate score: the chosen one (near-duplicate
graph on colour histograms, with its 95 % bootstrap interval), the same graph on
downsampled pixels, the nearest-neighbour distance ratio and k-center covering-radius
decay on colour histograms, and the sequence-metadata score; a second table shows the
chosen score at other graph thresholds. The expected order is
Pool-0f < 5f < 11f < 21f; ``X / (X + 1)`` is the ideal of a Pool-Xf.

Example:
    python benchmarks/bench_redundancy.py --seeds 0 1
"""
import argparse
import os
import tempfile
import time

import numpy as np

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmseg_al.analysis.pool_images import (EMBEDDINGS, PoolImages, colour_histogram_features,
                                           pixel_features, score_pool)
from mmseg_al.analysis.redundancy import (covering_redundancy, nearest_neighbour_ratio,
                                          redundancy_score)
from mmseg_al.analysis.tables import format_table
from mmseg_al.datasets.digit_scenes import DIGIT_POOLS, DigitScenesSpec, prepare_digit_scenes


def ideal(params):
    """Redundancy of a pool built from runs of X + 1 frames or a seed with its copies."""
    group = params.get('num_consecutive', params.get('copies', 0)) + 1
    return 1 - 1 / group


def pool_rows(root, seed, thresholds):
    rows, sweep = [], []
    for name, params in DIGIT_POOLS.items():
        pool = PoolImages.from_dataset_cfg(dict(
            type='DigitScenesDataset', data_root=root, ann_file=f'pools/{name}.txt',
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))
        started = time.perf_counter()
        chosen = score_pool(pool)
        seconds = time.perf_counter() - started
        colour = colour_histogram_features(pool.paths)
        pixels = pixel_features(pool.paths)
        top = chosen['features'].per_sequence[0]
        rows.append({
            'scenes seed': seed, 'pool': name, 'N': chosen['features'].num_images,
            'ideal': f'{ideal(params):.3f}',
            'colour (chosen) [95% CI]': _with_interval(chosen['features']),
            'N_eff': f"{chosen['features'].effective_images:.0f}",
            'pixels': f"{redundancy_score(pixels, threshold=EMBEDDINGS['pixels'][1]).score:.3f}",
            'NN ratio (median)': f'{np.median(nearest_neighbour_ratio(colour)):.3f}',
            'k-center cover': f"{covering_redundancy(colour, EMBEDDINGS['colour'][1]).mean():.3f}",
            'sequence metadata [95% CI]': _with_interval(chosen['sequence']),
            'top sequence share': f"{top['sequence']} {top['share']:.4f}",
            'score s': f'{seconds:.2f}'})
        sweep.append({'scenes seed': seed, 'pool': name, **{
            f'threshold {t}': f'{redundancy_score(colour, threshold=t).score:.3f}'
            for t in thresholds}})
    return rows, sweep


def _with_interval(score):
    return f'{score.score:.3f} [{score.interval[0]:.3f}, {score.interval[1]:.3f}]'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1],
                        help='digit-scene generation seeds (DigitScenesSpec.seed)')
    parser.add_argument('--thresholds', type=float, nargs='+',
                        default=[0.1, 0.15, 0.2, 0.25, 0.3],
                        help='graph thresholds (x pool spread) of the colour score sweep')
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows, sweep = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            root = os.path.join(tmp, f'scenes_{seed}')
            generated = time.perf_counter()
            prepare_digit_scenes(root, DigitScenesSpec(seed=seed), progress=False)
            print(f'scenes seed {seed}: generated in {time.perf_counter() - generated:.1f} s')
            pool_table, sweep_table = pool_rows(root, seed, args.thresholds)
            rows += pool_table
            sweep += sweep_table
    print(format_table(rows))
    print('\nThe chosen score at other graph thresholds:')
    print(format_table(sweep))
    print(f'\n{os.cpu_count()} CPU cores, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}, '
          f'wall time {time.perf_counter() - started:.1f} s')
    for seed in args.seeds:
        scores = {r['pool']: float(r['colour (chosen) [95% CI]'].split()[0])
                  for r in rows if r['scenes seed'] == seed}
        order = [scores[p] for p in ('pool0f', 'pool5f', 'pool11f', 'pool21f')]
        print(f'scenes seed {seed}: Pool-0f < 5f < 11f < 21f holds: '
              f'{all(a < b for a, b in zip(order, order[1:]))}; Pool-Aug '
              f'{scores["poolaug"]:.3f}')


if __name__ == '__main__':
    main()
