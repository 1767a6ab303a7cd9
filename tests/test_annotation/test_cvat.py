import zipfile

import cv2
import numpy as np
import pytest

from mmseg_al.annotation import (AnnotationError, read_segmentation_mask,
                                 write_segmentation_mask_zip)

CLASSES = ('background', 'car', 'person')
PALETTE = [[10, 10, 10], [255, 0, 16], [1, 2, 3]]
# What CVAT writes: its own black background plus the task's labels.
LABELMAP = ('# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:250,50,83::\n'
            'person:51,221,255::\n')


def png(rgb):
    return cv2.imencode('.png', cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_RGB2BGR))[1].tobytes()


def cvat_archive(path, masks, labelmap=LABELMAP):
    """A Segmentation mask 1.1 export built by the published layout, not by our writer."""
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('labelmap.txt', labelmap)
        archive.writestr('ImageSets/Segmentation/default.txt', ''.join(f'{n}\n' for n in masks))
        for name, rgb in masks.items():
            archive.writestr(f'SegmentationClass/{name}.png', png(rgb))
            archive.writestr(f'SegmentationObject/{name}.png', png(rgb))
    return str(path)


def scene():
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[1:3, 2:6] = (250, 50, 83)
    rgb[4:, :3] = (51, 221, 255)
    expected = np.zeros((6, 8), np.uint8)
    expected[1:3, 2:6], expected[4:, :3] = 1, 2
    return rgb, expected


def test_cvat_export_colours_map_through_labelmap_names(tmp_path):
    rgb, expected = scene()
    read = read_segmentation_mask(cvat_archive(tmp_path / 'a.zip', {'frame_1': rgb}), CLASSES)
    assert [m.name for m in read] == ['frame_1']
    np.testing.assert_array_equal(read[0].mask, expected)


def test_unpacked_folder_reads_like_the_zip(tmp_path):
    rgb, expected = scene()
    with zipfile.ZipFile(cvat_archive(tmp_path / 'a.zip', {'f': rgb})) as archive:
        archive.extractall(tmp_path / 'unpacked')
    read = read_segmentation_mask(str(tmp_path / 'unpacked'), CLASSES)
    np.testing.assert_array_equal(read[0].mask, expected)


def test_colour_not_in_labelmap_is_rejected(tmp_path):
    rgb, _ = scene()
    rgb[0, 0] = (9, 8, 7)
    with pytest.raises(AnnotationError, match=r'colours not in labelmap.txt: \(9, 8, 7\)'):
        read_segmentation_mask(cvat_archive(tmp_path / 'a.zip', {'f': rgb}), CLASSES)


def test_label_the_dataset_lacks_is_rejected(tmp_path):
    labelmap = LABELMAP + 'truck:1,1,1::\n'
    with pytest.raises(AnnotationError, match=r"classes the dataset does not have: \['truck'\]"):
        read_segmentation_mask(cvat_archive(tmp_path / 'a.zip', {}, labelmap), CLASSES)


def test_background_without_a_background_class_is_unlabeled(tmp_path):
    rgb, expected = scene()
    classes = ('road', 'car', 'person')
    read = read_segmentation_mask(cvat_archive(tmp_path / 'a.zip', {'f': rgb}), classes)
    expected[expected == 0] = 255
    np.testing.assert_array_equal(read[0].mask, expected)


@pytest.mark.parametrize('classes', [CLASSES, ('road', 'car', 'person')])
def test_writer_round_trip(tmp_path, classes):
    mask = np.random.default_rng(1).integers(0, 3, (9, 11), dtype=np.uint8)
    write_segmentation_mask_zip(str(tmp_path / 'p.zip'), {'x': mask, 'y': mask[::-1]}, classes,
                                PALETTE)
    read = {m.name: m.mask for m in read_segmentation_mask(str(tmp_path / 'p.zip'), classes)}
    np.testing.assert_array_equal(read['x'], mask)
    np.testing.assert_array_equal(read['y'], mask[::-1])
    with zipfile.ZipFile(tmp_path / 'p.zip') as archive:
        assert archive.read('ImageSets/Segmentation/default.txt').decode() == 'x\ny\n'


def test_corrupt_zip_and_missing_labelmap(tmp_path):
    (tmp_path / 'bad.zip').write_bytes(b'PK\x03\x04 not really')
    with pytest.raises(AnnotationError, match='not a CVAT export'):
        read_segmentation_mask(str(tmp_path / 'bad.zip'), CLASSES)
    with zipfile.ZipFile(tmp_path / 'empty.zip', 'w') as archive:
        archive.writestr('SegmentationClass/a.png', b'')
    with pytest.raises(AnnotationError, match='no labelmap.txt'):
        read_segmentation_mask(str(tmp_path / 'empty.zip'), CLASSES)


def test_a_black_class_without_background_still_reads_back(tmp_path):
    mask = np.array([[0, 1], [2, 0]], np.uint8)
    write_segmentation_mask_zip(str(tmp_path / 'p.zip'), {'x': mask}, ('road', 'car', 'person'),
                                [[0, 0, 0], [255, 0, 16], [1, 2, 3]])
    read = read_segmentation_mask(str(tmp_path / 'p.zip'), ('road', 'car', 'person'))
    np.testing.assert_array_equal(read[0].mask, mask)
