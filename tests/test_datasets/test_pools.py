import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_al.datasets.manifest import FrameInfo, SequenceManifest
from mmseg_al.datasets.pools import (augmented_pool, consecutive_pool, every_kth_pool,
                                     read_pool, uniform_pool, write_pool)


def frames(num_sequences=10, length=30):
    return [FrameInfo(f's{s}_f{f:03d}', 'train', f's{s}', f) for s in range(num_sequences)
            for f in range(length)]


@pytest.mark.parametrize('x', [0, 5, 11, 21])
def test_consecutive_pool_structure(x):
    pool = consecutive_pool(frames(), num_seeds=8, num_consecutive=x, seed=0)
    assert len(pool) == len(set(pool)) == 8 * (x + 1)
    # Every picked frame lies in a run of >= x + 1 consecutive picked frames.
    picked = {(p.split('_')[0], int(p.split('_f')[1])) for p in pool}
    for seq, frame in picked:
        run = [f for f in range(frame - x, frame + x + 1) if (seq, f) in picked]
        longest = max(len(list(g)) for g in np.split(run, np.where(np.diff(run) != 1)[0] + 1))
        assert longest >= x + 1


def test_consecutive_pool_is_seeded():
    assert consecutive_pool(frames(), 8, 5, seed=1) == consecutive_pool(frames(), 8, 5, seed=1)
    assert consecutive_pool(frames(), 8, 5, seed=1) != consecutive_pool(frames(), 8, 5, seed=2)


def test_consecutive_pool_skips_gaps_in_time():
    gapped = [FrameInfo(f'a{f}', 'train', 'a', f) for f in (0, 1, 2, 10, 11, 12)]
    pool = consecutive_pool(gapped, num_seeds=2, num_consecutive=2, seed=0)
    assert sorted(pool) == sorted(f.sample_id for f in gapped)
    with pytest.raises(ValueError, match='non-overlapping runs of 4'):
        consecutive_pool(gapped, num_seeds=1, num_consecutive=3, seed=0)


def test_uniform_and_every_kth():
    fs = frames(num_sequences=2, length=10)  # timeline of 20 frames
    assert uniform_pool(fs, 5) == ['s0_f000', 's0_f005', 's1_f000', 's1_f004', 's1_f009']
    assert every_kth_pool(fs, 5) == ['s0_f000', 's0_f005', 's1_f000', 's1_f005']
    with pytest.raises(ValueError):
        uniform_pool(fs, 21)


def test_augmented_pool_materialises_copies_and_resumes(tiny_scenes):
    manifest = SequenceManifest.read(osp.join(tiny_scenes, 'manifest.csv'))
    train = manifest.split('train')
    img_dir = osp.join(tiny_scenes, 'img_dir', 'train')
    ann_dir = osp.join(tiny_scenes, 'ann_dir', 'train')
    ids, rows = augmented_pool(train, num_seeds=3, copies=5, seed=0, img_dir=img_dir,
                               ann_dir=ann_dir)
    assert len(ids) == 3 * 6 and len(rows) == 3 * 5
    seed_id = ids[0]
    copy = cv2.imread(osp.join(img_dir, ids[1] + '.png'))
    original = cv2.imread(osp.join(img_dir, seed_id + '.png'))
    assert copy.shape == original.shape and not np.array_equal(copy, original)
    label = cv2.imread(osp.join(ann_dir, ids[1] + '.png'), cv2.IMREAD_UNCHANGED)
    assert set(np.unique(label)) <= set(range(11))
    assert rows[0].source == seed_id and rows[0].sequence == manifest[seed_id].sequence
    again, _ = augmented_pool(train, num_seeds=3, copies=5, seed=0, img_dir=img_dir,
                              ann_dir=ann_dir)
    assert again == ids


def test_pool_file_round_trip_and_duplicates(tmp_path):
    write_pool(tmp_path / 'p.txt', ['a', 'b/c'])
    assert read_pool(tmp_path / 'p.txt') == ['a', 'b/c']
    (tmp_path / 'dup.txt').write_text('a\na\n')
    with pytest.raises(ValueError, match='more than once'):
        read_pool(tmp_path / 'dup.txt')
    with pytest.raises(FileNotFoundError, match='make_pools'):
        read_pool(tmp_path / 'missing.txt')
