"""Import the authors' published A2D2 pools into a prepared A2D2 root.

    python tools/import_pools.py best_practices_ALSS/data/pools/a2d2 data/a2d2 [--split 1]

Reads ``pool_<X>f/split_<n>/lab_images_100.txt`` of sud0301/best_practices_ALSS and
writes ``data/a2d2/pools/pool<X>f.txt``, replacing the seeded pools that
``tools/prepare_a2d2.py`` built, so every A2D2 config then runs on the authors'
exact pools. Every listed image must be a train frame of the prepared root.
"""
import argparse
import sys

import mmseg_al  # noqa: F401  (compatibility shims before mmseg loads)
from mmseg_al.datasets.a2d2_pools import import_author_pools, pool_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('author_dir', help="the authors' data/pools/a2d2 folder")
    parser.add_argument('data_root', help='A2D2 root prepared by tools/prepare_a2d2.py')
    parser.add_argument('--split', type=int, default=1, help='which split_<n> to import')
    args = parser.parse_args(argv)
    try:
        imported = import_author_pools(args.author_dir, args.data_root, args.split)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    for name, size in imported.items():
        print(f'{pool_path(args.data_root, name)}: {size} frames')
    return 0


if __name__ == '__main__':
    sys.exit(main())
