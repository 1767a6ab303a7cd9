import cv2
import numpy as np
import pytest

from mmseg_al.annotation import AnnotationError, read_index_masks, write_index_masks


def test_index_masks_round_trip_with_nested_ids(tmp_path):
    rng = np.random.default_rng(0)
    masks = {'a': rng.integers(0, 5, (7, 9), dtype=np.uint8),
             'seq/b': np.full((3, 4), 255, np.uint8)}
    write_index_masks(str(tmp_path), masks)
    read = {m.name: m.mask for m in read_index_masks(str(tmp_path))}
    assert set(read) == set(masks)
    for name, mask in masks.items():
        np.testing.assert_array_equal(read[name], mask)


def test_colour_png_is_not_an_index_mask(tmp_path):
    cv2.imwrite(str(tmp_path / 'a.png'), np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(AnnotationError, match='single-channel.*a.png'):
        read_index_masks(str(tmp_path))


def test_missing_folder(tmp_path):
    with pytest.raises(AnnotationError, match='not a folder'):
        read_index_masks(str(tmp_path / 'nope'))
