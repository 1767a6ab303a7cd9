"""The study's A2D2 pools and the A2D2-3K candidate sets, as pool files of a prepared root.

The paper's pools hold 2,640 train frames each: Pool-Xf = 2,640 / (X + 1) random
seed frames plus the X frames after each (X = 0, 5, 11, 21), Pool-Aug = 440 random
frames plus 5 augmented copies of each. A2D2-3K picks 3,000 of all train frames;
its baselines use ``uniform3k`` (3,000 frames evenly spaced in time, trained on
as they are) and ``uniform5`` (every 5th frame, ~8K, the pool for Entropy).

Pool files live in ``<data_root>/pools/<name>.txt`` and are MMSeg ``ann_file``\\ s.
The authors' published lists (sud0301/best_practices_ALSS, ``data/pools/a2d2``)
name the raw images (``<drive>/camera/cam_<view>/<file>.png``), which are our
sample ids plus ``.png``, so they import as they are.
"""
import os
import os.path as osp
import re

from mmseg_al.datasets.manifest import MANIFEST_FILE, SequenceManifest, write_manifest
from mmseg_al.datasets.pools import (augmented_pool, consecutive_pool, every_kth_pool,
                                     uniform_pool, write_pool)

POOL_SIZE = 2640
A2D2_POOLS = {
    'pool0f': dict(num_seeds=POOL_SIZE, num_consecutive=0),
    'pool5f': dict(num_seeds=POOL_SIZE // 6, num_consecutive=5),
    'pool11f': dict(num_seeds=POOL_SIZE // 12, num_consecutive=11),
    'pool21f': dict(num_seeds=POOL_SIZE // 22, num_consecutive=21),
    'poolaug': dict(num_seeds=POOL_SIZE // 6, copies=5),
}
A2D2_3K_POOLS = {
    'uniform3k': dict(size=3000),
    'uniform5': dict(k=5),
}
POOL_DIR = 'pools'
# The authors' layout: pool_<X>f/split_<n>/lab_images_100.txt (100 % = the whole pool).
_AUTHOR_POOL = re.compile(r'^pool_(?P<x>\d+)f$')
_AUTHOR_LIST = 'lab_images_100.txt'


def pool_path(data_root, name):
    return osp.join(data_root, POOL_DIR, f'{name}.txt')


def build_a2d2_pools(data_root, seed=0, names=None):
    """Write the study's pools for a prepared A2D2 root; keep pool files that exist.

    Existing files are kept so that a re-run resumes and imported pools (see
    :func:`import_author_pools`) survive; delete a file to build it again. Pool-Aug's
    copies are drawn again either way (their files are reused) so that the
    manifest lists them.

    Args:
        data_root (str): output of ``tools/prepare_a2d2.py``.
        seed (int): seed of the random seed frames.
        names (list[str], optional): pools to build; default all of
            :data:`A2D2_POOLS` and :data:`A2D2_3K_POOLS`.

    Returns:
        dict[str, tuple[int, bool]]: pool name -> (size, built now).
    """
    names = list(A2D2_POOLS) + list(A2D2_3K_POOLS) if names is None else names
    manifest_path = osp.join(data_root, MANIFEST_FILE)
    manifest = SequenceManifest.read(manifest_path)
    train = [f for f in manifest.split('train') if not f.source]
    done = {}
    for name in names:
        path = pool_path(data_root, name)
        exists = osp.isfile(path)
        params = {**A2D2_POOLS, **A2D2_3K_POOLS}[name]
        if 'copies' in params:
            ids, rows = augmented_pool(train, seed=seed,
                                       img_dir=osp.join(data_root, 'img_dir', 'train'),
                                       ann_dir=osp.join(data_root, 'ann_dir', 'train'), **params)
            manifest = manifest.extended(rows)
        elif exists:
            ids = None
        elif 'num_consecutive' in params:
            ids = consecutive_pool(train, seed=seed, **params)
        elif 'size' in params:
            ids = uniform_pool(train, **params)
        else:
            ids = every_kth_pool(train, **params)
        if not exists:
            write_pool(path, ids)
        done[name] = (_count_lines(path), not exists)
    write_manifest(manifest, manifest_path)
    return done


def import_author_pools(author_dir, data_root, split=1):
    """Import the authors' Pool-Xf lists into ``<data_root>/pools/pool<X>f.txt``.

    Args:
        author_dir (str): their ``data/pools/a2d2`` folder (``pool_<X>f/split_<n>/``).
        data_root (str): a prepared A2D2 root; every imported id must be a train
            frame of its manifest, else nothing is written.
        split (int): which of their splits to import.

    Returns:
        dict[str, int]: pool name -> number of ids written.
    """
    if not osp.isdir(author_dir):
        raise FileNotFoundError(f'{author_dir} is not a folder; expected the data/pools/a2d2 '
                                'folder of a clone of sud0301/best_practices_ALSS.')
    manifest = SequenceManifest.read(osp.join(data_root, MANIFEST_FILE))
    pools = {}
    for folder in sorted(os.listdir(author_dir)):
        match = _AUTHOR_POOL.match(folder)
        path = osp.join(author_dir, folder, f'split_{split}', _AUTHOR_LIST)
        if match is None or not osp.isfile(path):
            continue
        with open(path) as f:
            ids = [osp.splitext(line.strip())[0] for line in f if line.strip()]
        unknown = [s for s in ids if s not in manifest or manifest[s].split != 'train']
        if unknown:
            raise ValueError(f'{len(unknown)} ids of {path} are not train frames of '
                             f'{data_root}, e.g. {unknown[0]!r}. Was the root prepared with '
                             'tools/prepare_a2d2.py from the full A2D2 release?')
        if len(set(ids)) != len(ids):
            raise ValueError(f'{path} lists some images more than once.')
        # Manifest order, as the pools built here: the same seed then picks the same frames.
        listed = set(ids)
        pools[f'pool{int(match["x"])}f'] = [f.sample_id for f in manifest.split('train')
                                            if f.sample_id in listed]
    if not pools:
        raise FileNotFoundError(f'No pool_<X>f/split_{split}/{_AUTHOR_LIST} under {author_dir}; '
                                'expected the data/pools/a2d2 folder of best_practices_ALSS.')
    for name, ids in pools.items():
        write_pool(pool_path(data_root, name), ids)
    return {name: len(ids) for name, ids in pools.items()}


def _count_lines(path):
    with open(path) as f:
        return sum(1 for line in f if line.strip())
