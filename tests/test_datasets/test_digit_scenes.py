import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_al.datasets.digit_scenes import (ACTORS_FILE, DIGIT_POOLS, SCENES_META_FILE,
                                            DigitScenesSpec, make_digit_scenes,
                                            prepare_digit_scenes, stale_tree_reason)
from mmseg_al.datasets.manifest import MANIFEST_FILE, SequenceManifest

SMALL = dict(num_train_sequences=3, train_frames_per_sequence=12, num_val_sequences=2,
             val_frames_per_sequence=4, height=32, width=64, digit_size=(12, 16))


def _read_tree(root):
    ids = {split: open(osp.join(root, f'{split}.txt')).read().split() for split in ('train', 'val')}
    images = {i: cv2.imread(osp.join(root, 'img_dir', s, i + '.png')) for s in ids for i in ids[s]}
    labels = {i: cv2.imread(osp.join(root, 'ann_dir', s, i + '.png'), cv2.IMREAD_UNCHANGED)
              for s in ids for i in ids[s]}
    with open(osp.join(root, ACTORS_FILE)) as f:
        return ids, images, labels, json.load(f)


def test_same_spec_same_scenes_other_seed_other_scenes(tmp_path):
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        make_digit_scenes(str(tmp_path / name), DigitScenesSpec(seed=seed, **SMALL), progress=False)
    a, b, c = (_read_tree(str(tmp_path / n)) for n in 'abc')
    assert a[0] == b[0] and a[3] == b[3]
    assert all(np.array_equal(a[1][i], b[1][i]) and np.array_equal(a[2][i], b[2][i]) for i in a[1])
    assert not all(np.array_equal(a[1][i], c[1][i]) for i in a[1])


def test_frames_and_labels_are_consistent(tmp_path):
    make_digit_scenes(str(tmp_path), DigitScenesSpec(**SMALL), progress=False)
    ids, images, labels, actors = _read_tree(str(tmp_path))
    assert len(ids['train']) == 36 and len(ids['val']) == 8
    for sample_id, label in labels.items():
        assert images[sample_id].shape == (32, 64, 3) and label.shape == (32, 64)
        assert label.max() <= 10
        # A frame shows digit pixels exactly when it lists actors.
        assert bool(actors['frames'][sample_id]) == bool((label > 0).any())
    # Consecutive frames share their actors (the redundancy pools are built from).
    seq = sorted(i for i in ids['train'] if i.startswith('train_seq000'))
    shared = [bool(set(actors['frames'][x]) & set(actors['frames'][y]))
              for x, y in zip(seq, seq[1:]) if actors['frames'][x]]
    assert np.mean(shared) > 0.8


def test_train_and_val_use_disjoint_digit_instances(tmp_path):
    make_digit_scenes(str(tmp_path), DigitScenesSpec(**SMALL), progress=False)
    with open(tmp_path / ACTORS_FILE) as f:
        sources = json.load(f)['sources']
    train = {v for k, v in sources.items() if k.startswith('train')}
    val = {v for k, v in sources.items() if k.startswith('val')}
    assert train and val and not train & val
    # Every actor is its own deformed instance: no two actors share a uid.
    assert len(sources) == len(set(sources))


@pytest.fixture(scope='module')
def default_tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('default_digit_scenes'))
    prepare_digit_scenes(root, progress=False)
    return root


def test_default_pools_have_the_study_sizes_and_redundancy_order(default_tree):
    manifest = SequenceManifest.read(osp.join(default_tree, MANIFEST_FILE))
    with open(osp.join(default_tree, ACTORS_FILE)) as f:
        frame_actors = json.load(f)['frames']
    distinct = {}
    for name, params in DIGIT_POOLS.items():
        ids = open(osp.join(default_tree, 'pools', f'{name}.txt')).read().split()
        copies = params.get('copies', params.get('num_consecutive'))
        assert len(ids) == len(set(ids)) == params['num_seeds'] * (copies + 1) == 2640
        originals = {manifest[i].source or i for i in ids}
        assert all(manifest[i].split == 'train' for i in originals)
        distinct[name] = len({a for i in originals for a in frame_actors[i]})
    # More consecutive frames per seed, fewer distinct digit instances.
    assert distinct['pool0f'] > distinct['pool5f'] > distinct['pool11f'] > distinct['pool21f']
    assert distinct['poolaug'] < distinct['pool0f']


def test_a_tree_of_another_generator_version_is_refused(tmp_path):
    from mmengine.config import Config

    from mmseg_al.datasets.preparation import DatasetNotPreparedError, prepare_or_check
    make_digit_scenes(str(tmp_path), DigitScenesSpec(**SMALL), progress=False)
    assert stale_tree_reason(str(tmp_path)) is None
    meta = json.loads((tmp_path / SCENES_META_FILE).read_text())
    meta.pop('generator_version')  # as the first generator wrote it
    (tmp_path / SCENES_META_FILE).write_text(json.dumps(meta))
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='DigitScenesDataset', data_root=str(tmp_path), ann_file='train.txt',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))))
    with pytest.raises(DatasetNotPreparedError, match='generator version 1'):
        prepare_or_check(cfg)
