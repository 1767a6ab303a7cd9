"""Build an active-learning pool (a file of sample ids) from a dataset's manifest.

Kinds (the study's): consecutive = Pool-Xf (random seed frames + X following frames),
augmented = Pool-Aug (seed frames + augmented duplicates, written to disk),
uniform = evenly spaced in time, every-kth = Uniform@k. Seeded and reproducible.

Examples:
    python tools/make_pools.py data/a2d2 --kind consecutive --num-seeds 220 --consecutive 11 \\
        --out pools/pool11f.txt
    python tools/make_pools.py data/a2d2 --kind augmented --num-seeds 440 --copies 5 \\
        --out pools/poolaug.txt
    python tools/make_pools.py data/a2d2 --kind every-kth --k 5 --out pools/uniform5.txt
"""
import argparse
import os.path as osp
import sys

from mmseg_al.datasets.manifest import MANIFEST_FILE, SequenceManifest, write_manifest
from mmseg_al.datasets.pools import (augmented_pool, consecutive_pool, every_kth_pool,
                                     uniform_pool, write_pool)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('data_root', help=f'dataset root holding {MANIFEST_FILE}')
    parser.add_argument('--kind', required=True,
                        choices=['consecutive', 'augmented', 'uniform', 'every-kth'])
    parser.add_argument('--out', required=True, help='pool file, relative to data_root')
    parser.add_argument('--split', default='train', help='manifest split to draw from')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-seeds', type=int, help='consecutive / augmented: seed frames')
    parser.add_argument('--consecutive', type=int, default=0, help='consecutive: X')
    parser.add_argument('--copies', type=int, default=5, help='augmented: duplicates per seed')
    parser.add_argument('--size', type=int, help='uniform: pool size')
    parser.add_argument('--k', type=int, default=5, help='every-kth: step')
    parser.add_argument('--img-dir', default='img_dir/train', help='augmented: image folder')
    parser.add_argument('--ann-dir', default='ann_dir/train', help='augmented: label folder')
    parser.add_argument('--img-suffix', default='.png')
    parser.add_argument('--seg-map-suffix', default='.png')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    manifest_path = osp.join(args.data_root, MANIFEST_FILE)
    try:
        manifest = SequenceManifest.read(manifest_path)
        frames = [f for f in manifest.split(args.split) if not f.source]
        if not frames:
            raise ValueError(f'{manifest_path} has no frames in split {args.split!r}.')
        if args.kind in ('consecutive', 'augmented') and not args.num_seeds:
            raise ValueError(f'--kind {args.kind} needs --num-seeds.')
        if args.kind == 'consecutive':
            ids = consecutive_pool(frames, args.num_seeds, args.consecutive, args.seed)
        elif args.kind == 'augmented':
            ids, rows = augmented_pool(
                frames, args.num_seeds, args.copies, args.seed,
                img_dir=osp.join(args.data_root, args.img_dir),
                ann_dir=osp.join(args.data_root, args.ann_dir), img_suffix=args.img_suffix,
                seg_map_suffix=args.seg_map_suffix)
            write_manifest(manifest.extended(rows), manifest_path)
        elif args.kind == 'uniform':
            if not args.size:
                raise ValueError('--kind uniform needs --size.')
            ids = uniform_pool(frames, args.size)
        else:
            ids = every_kth_pool(frames, args.k)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    write_pool(osp.join(args.data_root, args.out), ids)
    print(f'{len(ids)} ids written to {osp.join(args.data_root, args.out)}')


if __name__ == '__main__':
    main()
