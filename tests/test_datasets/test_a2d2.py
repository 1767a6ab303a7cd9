import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_al.datasets.a2d2 import (A2D2_CLASS_LIST, A2D2_CLASSES, A2D2Dataset, category_class,
                                    colour_classes, colour_lookup_table, parse_sample_id,
                                    rgb_to_class_index)
from mmseg_al.datasets.manifest import FrameInfo, SequenceManifest, write_manifest

# The study's mapping written out colour by colour (PAPER.md's category groups, with the
# colours of A2D2's class_list.json), independent of the name-based table under test.
EXPECTED_CLASS = {
    0: ['#ff00ff', '#b432b4', '#eee9bf', '#960096', '#6e6e00', '#d23273'],  # road
    1: ['#ff0000', '#c80000', '#960000', '#800000'],  # car
    2: ['#b65906', '#963204', '#5a1e01', '#5a1e1e'],  # bicycle
    3: ['#cc99ff', '#bd499b', '#ef59bf'],  # pedestrian
    4: ['#ff8000', '#c88000', '#968000'],  # truck
    5: ['#0080ff', '#1e1c9e', '#3c1c64'],  # traffic signal
    6: ['#00ffff', '#1edcdc', '#3c9dc7'],  # traffic sign
    7: ['#b496c8', '#8b636c'],  # sidewalk, non-drivable street
    8: ['#93fdc2'],  # nature object
    9: ['#87ceff'],  # sky
    10: ['#f1e6ff'],  # buildings
    11: ['#00ff00', '#00c800', '#009600'],  # small vehicles
    12: ['#b97a57', '#eea2ad'],  # road blocks, grid structure
    13: ['#ffff00', '#ffffc8'],  # utility vehicle
    14: ['#fff68f', '#e96400', '#212cb1'],  # poles, sidebars, signal corpus
    15: ['#ffc125', '#8000ff', '#c87dd2'],  # solid, dashed line, painted instruction
    16: ['#9f79ee'],  # traffic guide object
    17: ['#808000'],  # curbstone
    18: ['#400040', '#000064', '#ff0080', '#ccff99', '#ff46b9', '#9696c8', '#48d1cc',
         '#60458f', '#352e52'],  # other
}


def _rgb(hex_colour):
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def test_every_colour_of_the_mapping_converts_exactly():
    expected = {colour: index for index, colours in EXPECTED_CLASS.items() for colour in colours}
    assert len(expected) == 55 and set(expected) == set(A2D2_CLASS_LIST)
    colours = sorted(expected)
    # One pixel per colour, each repeated along a row so neighbours differ.
    label = np.array([[_rgb(c)] * 3 for c in colours], dtype=np.uint8)
    index, unknown = rgb_to_class_index(label, colour_lookup_table(colour_classes(A2D2_CLASS_LIST)))
    assert unknown == {}
    assert index.dtype == np.uint8 and index.shape == (55, 3)
    assert index[:, 0].tolist() == [expected[c] for c in colours]
    assert (index == index[:, :1]).all()


def test_unknown_colours_become_ignore_and_are_counted():
    table = colour_lookup_table(colour_classes(A2D2_CLASS_LIST))
    label = np.zeros((4, 5, 3), np.uint8)
    label[:] = _rgb('#87ceff')  # sky
    label[0, :2] = (1, 2, 3)
    label[3, 4] = (255, 0, 1)  # one off Car 1
    index, unknown = rgb_to_class_index(label, table)
    assert unknown == {'#010203': 2, '#ff0001': 1}
    assert (index[0, :2] == 255).all() and index[3, 4] == 255
    assert (index == 9).sum() == 20 - 3


def test_category_names_are_matched_without_instance_number_and_case():
    assert category_class('Car 4') == A2D2_CLASSES.index('car')
    assert category_class('traffic  guide OBJ.') == A2D2_CLASSES.index('traffic guide object')
    assert category_class('Sky 1') == A2D2_CLASSES.index('sky')
    assert category_class('Hovercraft') is None


def test_class_list_with_an_unknown_category_is_rejected():
    with pytest.raises(ValueError, match="#123456='Hovercraft'"):
        colour_classes({**A2D2_CLASS_LIST, '#123456': 'Hovercraft'})


def test_parse_sample_id():
    assert parse_sample_id('20180925_112730/camera/cam_side_left/'
                           '20180925112730_camera_sideleft_000000091') == (
                               '20180925_112730', 'cam_side_left', 91)
    with pytest.raises(ValueError, match='not an A2D2 sample id'):
        parse_sample_id('aachen/aachen_000000_000019')


def test_dataset_attaches_manifest_and_has_the_19_classes(tmp_path):
    ids = [f'20181108_084007/camera/cam_front_center/20181108084007_camera_frontcenter_{n:09d}'
           for n in (38301, 38307)]
    for sample_id in ids:
        for folder, array in (('img_dir', np.zeros((4, 6, 3), np.uint8)),
                              ('ann_dir', np.ones((4, 6), np.uint8))):
            path = osp.join(tmp_path, folder, 'train', sample_id + '.png')
            os.makedirs(osp.dirname(path), exist_ok=True)
            cv2.imwrite(path, array)
    (tmp_path / 'train.txt').write_text('\n'.join(ids) + '\n')
    write_manifest(SequenceManifest(
        FrameInfo(s, 'train', '20181108_084007/cam_front_center', i) for i, s in enumerate(ids)),
        str(tmp_path / 'manifest.csv'))
    dataset = A2D2Dataset(data_root=str(tmp_path), ann_file='train.txt',
                          data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                          pipeline=[dict(type='LoadImageFromFile'),
                                    dict(type='mmseg.LoadAnnotations')])
    assert dataset.metainfo['classes'] == A2D2_CLASSES and len(A2D2_CLASSES) == 19
    assert len(dataset.metainfo['palette']) == 19
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['sequence'], i['frame']) for i in infos] == [
        ('20181108_084007/cam_front_center', 0), ('20181108_084007/cam_front_center', 1)]
    item = dataset[1]
    assert item['gt_seg_map'].shape == (4, 6) and (item['gt_seg_map'] == 1).all()
    json.dumps(infos[0])  # data infos stay plain (picklable, loggable)
