import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_al.analysis.pool_images import (PoolImages, colour_histogram_features, pixel_features,
                                           score_pool)
from mmseg_al.datasets.manifest import FrameInfo, SequenceManifest, write_manifest
from mmseg_al.datasets.pools import write_pool


def _write(path, image):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, image)


def _distinct_images(num, seed=0):
    """Smooth random scenes (JPEG and downsampling keep them recognisable)."""
    rng = np.random.default_rng(seed)
    return [cv2.resize(rng.integers(0, 256, (3, 6, 3), dtype=np.uint8), (48, 24),
                       interpolation=cv2.INTER_CUBIC) for _ in range(num)]


def test_plain_folder_of_images(tmp_path):
    """Three scenes, each saved twice (the copy brighter): half the folder is redundant.

    The pixel embedding sees it (it standardises brightness); the colour histogram
    does not, since a brighter copy has other colours.
    """
    for k, image in enumerate(_distinct_images(3)):
        _write(str(tmp_path / 'a' / f'scene{k}.png'), image)
        brighter = np.clip(image.astype(np.int32) * 0.8 + 30, 0, 255).astype(np.uint8)
        _write(str(tmp_path / 'b' / f'scene{k}_copy.jpg'), brighter)
    pool = PoolImages.from_folder(str(tmp_path))
    assert pool.ids[:2] == ['a/scene0', 'a/scene1'] and len(pool.ids) == 6
    assert pool.sequences is None
    scores = score_pool(pool, embedding='pixels')
    assert scores['sequence'] is None and scores['features'].per_sequence is None
    assert scores['features'].method == 'pixels'
    assert scores['features'].score == pytest.approx(0.5)
    assert score_pool(pool)['features'].score == 0
    with pytest.raises(ValueError, match="choose one of \\['colour', 'pixels'\\]"):
        score_pool(pool, embedding='hog')


def test_colour_histogram_sees_moving_content_as_redundant(tmp_path):
    """Four scenes, each also with its content rolled by a quarter of the frame: moved
    content is a near-duplicate for the colour histogram and not for pixels."""
    for k, image in enumerate(_distinct_images(4, seed=2)):
        _write(str(tmp_path / f'scene{k}.png'), image)
        _write(str(tmp_path / f'scene{k}_moved.png'), np.roll(image, 12, axis=1))
    pool = PoolImages.from_folder(str(tmp_path))
    scores = score_pool(pool)
    assert scores['features'].method == 'colour'
    assert scores['features'].score == pytest.approx(0.5)
    assert score_pool(pool, embedding='pixels')['features'].score == 0


def test_colour_histogram_by_hand(tmp_path):
    """A 2x2 image of three colours at 2 levels per channel: bins by hand."""
    image = np.array([[[0, 0, 0], [255, 0, 0]], [[255, 0, 0], [0, 0, 255]]], np.uint8)  # BGR
    _write(str(tmp_path / 'x.png'), image)
    features = colour_histogram_features([str(tmp_path / 'x.png')], levels=2)
    # bin = (b * 2 + g) * 2 + r: black -> 0 (1 pixel), blue -> 4 (2 pixels), red -> 1 (1).
    expected = np.sqrt(np.array([1, 1, 0, 0, 2, 0, 0, 0]) / 4)
    np.testing.assert_allclose(features[0], expected, rtol=1e-6)
    assert np.linalg.norm(features[0]) == pytest.approx(1)


def test_pixel_features_ignore_brightness_and_contrast(tmp_path):
    image = _distinct_images(1)[0]
    _write(str(tmp_path / 'x.png'), image)
    _write(str(tmp_path / 'y.png'), (image // 2 + 60).astype(np.uint8))
    x, y = pixel_features([str(tmp_path / 'x.png'), str(tmp_path / 'y.png')], size=(8, 16))
    assert x.shape == (3 * 8 * 16, )
    assert np.abs(x - y).max() < 0.1


def test_a2d2_prepared_tree_with_sequence_manifest(tmp_path):
    """An A2D2-layout pool: two camera streams, four consecutive frames each."""
    root = str(tmp_path)
    frames, ids = [], []
    images = iter(_distinct_images(8, seed=1))
    for drive in ('20180807_145028', '20181108_084007'):
        for ordinal in range(4):
            sample_id = (f'{drive}/camera/cam_front_center/{drive.replace("_", "")}'
                         f'_camera_frontcenter_{1000 + ordinal:09d}')
            _write(osp.join(root, 'img_dir', 'train', sample_id + '.png'), next(images))
            frames.append(FrameInfo(sample_id, 'train', f'{drive}/cam_front_center', ordinal))
            ids.append(sample_id)
    write_manifest(SequenceManifest(frames), osp.join(root, 'manifest.csv'))
    write_pool(osp.join(root, 'pools', 'tiny.txt'), ids)
    pool = PoolImages.from_dataset_cfg(dict(
        type='A2D2Dataset', data_root=root, ann_file='pools/tiny.txt',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))
    assert pool.ids == ids and pool.frames == [0, 1, 2, 3] * 2
    scores = score_pool(pool)
    # Metadata: two runs of four frames. Images: eight unrelated random ones.
    assert scores['sequence'].score == pytest.approx(0.75)
    assert scores['features'].score == 0
    assert {s['sequence'] for s in scores['features'].per_sequence} == {
        '20180807_145028/cam_front_center', '20181108_084007/cam_front_center'}


def test_missing_images_and_tiny_pools_are_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match='No images'):
        PoolImages.from_folder(str(tmp_path))
    write_pool(str(tmp_path / 'pools' / 'p.txt'), ['a', 'b'])
    with pytest.raises(FileNotFoundError, match='2 images of the pool'):
        PoolImages.from_dataset_cfg(dict(type='DigitScenesDataset', data_root=str(tmp_path),
                                         ann_file='pools/p.txt',
                                         data_prefix=dict(img_path='img_dir/train')))
    with pytest.raises(ValueError, match='at least 2 images'):
        PoolImages(['a'], ['a.png'])
