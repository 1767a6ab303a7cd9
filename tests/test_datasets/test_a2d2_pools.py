import os
import os.path as osp
from collections import defaultdict

import cv2
import numpy as np
import pytest

from mmseg_al.datasets.a2d2_pools import (A2D2_POOLS, POOL_SIZE, build_a2d2_pools,
                                          import_author_pools, pool_path)
from mmseg_al.datasets.manifest import FrameInfo, SequenceManifest, write_manifest
from mmseg_al.datasets.pools import read_pool

DRIVES = ('20180807_145028', '20181108_084007', '20181016_125231')
CAMERAS = ('cam_front_center', 'cam_side_left', 'cam_front_right', 'cam_rear_center')
FRAMES_PER_STREAM = 400  # 12 train streams: 4,800 frames, room for Pool-21f's 120 runs


def _sample_id(drive, camera, number):
    view = camera[len('cam_'):].replace('_', '')
    return f'{drive}/camera/{camera}/{drive.replace("_", "")}_camera_{view}_{number:09d}'


@pytest.fixture(scope='module')
def a2d2_root(tmp_path_factory):
    """A prepared A2D2 root: tiny images and labels, manifest, 12 train streams + val."""
    root = str(tmp_path_factory.mktemp('a2d2'))
    rng = np.random.default_rng(0)
    frames = []
    for drive in DRIVES + ('20180925_112730', ):
        split = 'val' if drive == '20180925_112730' else 'train'
        for camera in CAMERAS if split == 'train' else CAMERAS[:1]:
            for ordinal in range(FRAMES_PER_STREAM if split == 'train' else 5):
                sample_id = _sample_id(drive, camera, 1000 + 7 * ordinal)
                frames.append(FrameInfo(sample_id, split, f'{drive}/{camera}', ordinal))
                for folder, array in (
                        ('img_dir', rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)),
                        ('ann_dir', rng.integers(0, 19, (6, 8), dtype=np.uint8))):
                    path = osp.join(root, folder, split, sample_id + '.png')
                    os.makedirs(osp.dirname(path), exist_ok=True)
                    cv2.imwrite(path, array)
    write_manifest(SequenceManifest(frames), osp.join(root, 'manifest.csv'))
    built = build_a2d2_pools(root, seed=0)
    return root, built


def _runs(ids, manifest):
    """Lengths of the maximal runs of consecutive frames that ``ids`` form per stream."""
    by_stream = defaultdict(list)
    for sample_id in ids:
        by_stream[manifest[sample_id].sequence].append(manifest[sample_id].frame)
    lengths = []
    for frames in by_stream.values():
        frames.sort()
        length = 1
        for previous, current in zip(frames, frames[1:]):
            if current == previous + 1:
                length += 1
            else:
                lengths.append(length)
                length = 1
        lengths.append(length)
    return lengths


@pytest.mark.parametrize('name', ['pool0f', 'pool5f', 'pool11f', 'pool21f'])
def test_consecutive_pools_have_the_papers_size_and_redundancy(a2d2_root, name):
    root, built = a2d2_root
    manifest = SequenceManifest.read(osp.join(root, 'manifest.csv'))
    ids = read_pool(pool_path(root, name))
    assert len(ids) == POOL_SIZE == built[name][0]
    assert all(manifest[s].split == 'train' and not manifest[s].source for s in ids)
    window = A2D2_POOLS[name]['num_consecutive'] + 1
    # The pool is made of whole windows of `window` consecutive frames (runs of adjacent
    # windows merge, so each maximal run is a multiple of the window).
    lengths = _runs(ids, manifest)
    assert all(length % window == 0 for length in lengths)
    # Redundancy: at least X of every X + 1 frames follow another pool frame directly.
    assert len(ids) - len(lengths) >= POOL_SIZE * (window - 1) // window


def test_pool_aug_is_seed_frames_with_five_copies_on_disk(a2d2_root):
    root, _ = a2d2_root
    manifest = SequenceManifest.read(osp.join(root, 'manifest.csv'))
    ids = read_pool(pool_path(root, 'poolaug'))
    assert len(ids) == POOL_SIZE
    copies = [s for s in ids if manifest[s].source]
    sources = [s for s in ids if not manifest[s].source]
    assert len(sources) == 440 and len(copies) == 5 * 440
    per_source = defaultdict(int)
    for sample_id in copies:
        per_source[manifest[sample_id].source] += 1
        for folder in ('img_dir', 'ann_dir'):
            assert osp.isfile(osp.join(root, folder, 'train', sample_id + '.png'))
    assert set(per_source) == set(sources) and set(per_source.values()) == {5}
    # Copies are never drawn as pool frames of other pools or as split-file lines.
    assert not set(copies) & set(read_pool(pool_path(root, 'pool0f')))


def test_a2d2_3k_candidate_sets(a2d2_root):
    root, _ = a2d2_root
    manifest = SequenceManifest.read(osp.join(root, 'manifest.csv'))
    uniform = read_pool(pool_path(root, 'uniform3k'))
    every_5th = read_pool(pool_path(root, 'uniform5'))
    assert len(uniform) == 3000 and len(every_5th) == 12 * FRAMES_PER_STREAM // 5
    assert {manifest[s].frame % 5 for s in every_5th} == {0}
    # Evenly spaced: 3,000 of 4,800 frames leaves gaps of 1 or 2 frames within a stream.
    gaps = {b - a for a, b in zip(*[[manifest[s].frame for s in uniform][i:] for i in (0, 1)])
            if b > a}
    assert gaps <= {1, 2}
    assert all(manifest[s].split == 'train' for s in uniform + every_5th)


def test_existing_pool_files_are_kept_and_rebuilds_are_deterministic(a2d2_root):
    root, _ = a2d2_root
    path = pool_path(root, 'pool11f')
    original = open(path).read()
    os.remove(path)
    assert build_a2d2_pools(root, seed=0, names=['pool11f']) == {'pool11f': (POOL_SIZE, True)}
    assert open(path).read() == original
    with open(path, 'w') as f:
        f.write(original.split('\n', 1)[0] + '\n')
    assert build_a2d2_pools(root, seed=0, names=['pool11f']) == {'pool11f': (1, False)}
    with open(path, 'w') as f:
        f.write(original)


def test_authors_lists_import_as_they_are(a2d2_root, tmp_path):
    root, _ = a2d2_root
    manifest = SequenceManifest.read(osp.join(root, 'manifest.csv'))
    theirs = read_pool(pool_path(root, 'pool5f'))[::-1]  # their files are not in order
    author_dir = tmp_path / 'pools' / 'a2d2'
    (author_dir / 'pool_5f' / 'split_1').mkdir(parents=True)
    (author_dir / 'pool_5f' / 'split_1' / 'lab_images_100.txt').write_text(
        ''.join(f'{s}.png\n' for s in theirs))
    path = pool_path(root, 'pool5f')
    os.remove(path)
    assert import_author_pools(str(author_dir), root) == {'pool5f': POOL_SIZE}
    imported = read_pool(path)
    order = {f.sample_id: i for i, f in enumerate(manifest.frames.values())}
    assert set(imported) == set(theirs) and imported == sorted(imported, key=order.get)

    (author_dir / 'pool_21f' / 'split_1').mkdir(parents=True)
    (author_dir / 'pool_21f' / 'split_1' / 'lab_images_100.txt').write_text(
        '20180925_112730/camera/cam_front_center/'
        '20180925112730_camera_frontcenter_000001000.png\n')
    before = open(pool_path(root, 'pool21f')).read()
    with pytest.raises(ValueError, match='1 ids of .*pool_21f.* are not train frames'):
        import_author_pools(str(author_dir), root)
    assert open(pool_path(root, 'pool21f')).read() == before
