"""A2D2 (Audi Autonomous Driving Dataset), semantic part, with the study's 19 classes.

A2D2 ships ``camera_lidar_semantic/<drive>/camera/cam_<view>/*.png`` with RGB-coded
labels in ``label/cam_<view>/`` and ``class_list.json`` (hex colour -> name, 55
colours of 38 categories; "Car 1".."Car 4" are one category). The study maps the
categories to 19 classes; colours outside ``class_list.json`` become 255 (ignore),
where the authors' loader silently made them road.

``tools/prepare_a2d2.py`` converts a raw tree into MMSeg's layout (see
``docs/datasets.md``): ``img_dir/<split>/<sample id>.png`` and ``ann_dir/...`` with
class indices, where the sample id is the raw image's path below
``camera_lidar_semantic`` without suffix, e.g.
``20181108_084007/camera/cam_front_center/20181108084007_camera_frontcenter_000038301``.
The manifest's ``sequence`` is one camera stream of one drive
(``20181108_084007/cam_front_center``) and ``frame`` the ordinal of the frame among
that stream's annotated frames, so consecutive annotated frames differ by 1.
"""
import re

import numpy as np
from mmseg.datasets import BaseSegDataset

from mmseg_al.datasets.manifest import SequenceManifest
from mmseg_al.registry import DATASETS

IGNORE_INDEX = 255

A2D2_CLASSES = ('road', 'car', 'bicycle', 'pedestrian', 'truck', 'traffic signal',
                'traffic sign', 'sidewalk', 'nature object', 'sky', 'buildings',
                'small vehicles', 'barrier', 'utility vehicle', 'pole', 'lane marking',
                'traffic guide object', 'curbstone', 'other')

# The A2D2 categories of each class (the study's ``lbl_convert``), by category name,
# i.e. the class_list.json name without its trailing instance number.
CLASS_CATEGORIES = {
    'road': ('RD normal street', 'Drivable cobblestone', 'Slow drive area',
             'RD restricted area', 'Speed bumper', 'Zebra crossing'),
    'car': ('Car', ),
    'bicycle': ('Bicycle', ),
    'pedestrian': ('Pedestrian', ),
    'truck': ('Truck', ),
    'traffic signal': ('Traffic signal', ),
    'traffic sign': ('Traffic sign', ),
    'sidewalk': ('Sidewalk', 'Non-drivable street'),
    'nature object': ('Nature object', ),
    'sky': ('Sky', ),
    'buildings': ('Buildings', ),
    'small vehicles': ('Small vehicles', ),
    'barrier': ('Road blocks', 'Grid structure'),
    'utility vehicle': ('Utility vehicle', ),
    'pole': ('Poles', 'Sidebars', 'Signal corpus'),
    'lane marking': ('Solid line', 'Dashed line', 'Painted driv. instr.'),
    'traffic guide object': ('Traffic guide obj.', ),
    'curbstone': ('Curbstone', ),
    'other': ('Irrelevant signs', 'Tractor', 'Obstacles / trash', 'Animals',
              'Electronic traffic', 'Parking area', 'Ego car', 'Blurred area', 'Rain dirt'),
}

# A2D2's class_list.json as published (hex colour -> name). Preparation reads the
# copy that comes with the data; this table documents it and lets tests build one.
A2D2_CLASS_LIST = {
    '#ff0000': 'Car 1', '#c80000': 'Car 2', '#960000': 'Car 3', '#800000': 'Car 4',
    '#b65906': 'Bicycle 1', '#963204': 'Bicycle 2', '#5a1e01': 'Bicycle 3',
    '#5a1e1e': 'Bicycle 4', '#cc99ff': 'Pedestrian 1', '#bd499b': 'Pedestrian 2',
    '#ef59bf': 'Pedestrian 3', '#ff8000': 'Truck 1', '#c88000': 'Truck 2',
    '#968000': 'Truck 3', '#00ff00': 'Small vehicles 1', '#00c800': 'Small vehicles 2',
    '#009600': 'Small vehicles 3', '#0080ff': 'Traffic signal 1',
    '#1e1c9e': 'Traffic signal 2', '#3c1c64': 'Traffic signal 3',
    '#00ffff': 'Traffic sign 1', '#1edcdc': 'Traffic sign 2', '#3c9dc7': 'Traffic sign 3',
    '#ffff00': 'Utility vehicle 1', '#ffffc8': 'Utility vehicle 2', '#e96400': 'Sidebars',
    '#6e6e00': 'Speed bumper', '#808000': 'Curbstone', '#ffc125': 'Solid line',
    '#400040': 'Irrelevant signs', '#b97a57': 'Road blocks', '#000064': 'Tractor',
    '#8b636c': 'Non-drivable street', '#d23273': 'Zebra crossing',
    '#ff0080': 'Obstacles / trash', '#fff68f': 'Poles', '#960096': 'RD restricted area',
    '#ccff99': 'Animals', '#eea2ad': 'Grid structure', '#212cb1': 'Signal corpus',
    '#b432b4': 'Drivable cobblestone', '#ff46b9': 'Electronic traffic',
    '#eee9bf': 'Slow drive area', '#93fdc2': 'Nature object', '#9696c8': 'Parking area',
    '#b496c8': 'Sidewalk', '#48d1cc': 'Ego car', '#c87dd2': 'Painted driv. instr.',
    '#9f79ee': 'Traffic guide obj.', '#8000ff': 'Dashed line', '#ff00ff': 'RD normal street',
    '#87ceff': 'Sky', '#f1e6ff': 'Buildings', '#60458f': 'Blurred area',
    '#352e52': 'Rain dirt',
}

VAL_SEQUENCES = ('20180925_112730', )

_INSTANCE_NUMBER = re.compile(r'\s+\d+$')
# <drive>/camera/cam_<view>/<drive without '_'>_camera_<view without '_'>_<frame number>
_SAMPLE_ID = re.compile(r'^(?P<drive>\d{8}_\d{6})/camera/(?P<camera>cam_[a-z_]+)/'
                        r'\d{14}_camera_[a-z]+_(?P<number>\d+)$')


def _normalise(name):
    return ' '.join(name.lower().split())


_CATEGORY_CLASS = {_normalise(category): index
                   for index, name in enumerate(A2D2_CLASSES)
                   for category in CLASS_CATEGORIES[name]}


def category_class(name):
    """Class index of a class_list.json name ("Car 2" -> car), or None if unknown."""
    return _CATEGORY_CLASS.get(_normalise(_INSTANCE_NUMBER.sub('', name)))


def colour_classes(class_list):
    """Map each colour of a class_list.json to the study's class index.

    Args:
        class_list (dict[str, str]): hex colour (``'#rrggbb'``) -> A2D2 name.

    Returns:
        dict[int, int]: 24-bit colour code ``r << 16 | g << 8 | b`` -> class index.

    Raises:
        ValueError: if a name is not one of the 38 categories, since a silently
            dropped category would corrupt every label that uses it.
    """
    mapping, unknown = {}, []
    for colour, name in class_list.items():
        index = category_class(name)
        if index is None:
            unknown.append(f'{colour}={name!r}')
        else:
            mapping[int(colour.lstrip('#'), 16)] = index
    if unknown:
        raise ValueError(f'class_list.json names categories the study does not map: '
                         f'{", ".join(unknown)}. Expected the 38 A2D2 categories of '
                         'mmseg_al.datasets.a2d2.CLASS_CATEGORIES.')
    return mapping


def colour_lookup_table(colour_to_class):
    """Dense ``uint8[2**24]`` table: colour code -> class index, 255 elsewhere."""
    table = np.full(1 << 24, IGNORE_INDEX, dtype=np.uint8)
    for code, index in colour_to_class.items():
        table[code] = index
    return table


def rgb_to_class_index(label_rgb, table):
    """Convert an RGB-coded A2D2 label into class indices.

    Args:
        label_rgb (np.ndarray): ``uint8 [H, W, 3]`` in RGB order.
        table (np.ndarray): from :func:`colour_lookup_table`.

    Returns:
        tuple[np.ndarray, dict[str, int]]: ``uint8 [H, W]`` class indices (255 where
        the colour is not in the table) and the pixel count of each such unknown
        colour, keyed ``'#rrggbb'``.
    """
    rgb = label_rgb.astype(np.int32)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    index = table[codes]
    unknown_codes, counts = np.unique(codes[index == IGNORE_INDEX], return_counts=True)
    return index, {f'#{code:06x}': int(n) for code, n in zip(unknown_codes, counts)}


def parse_sample_id(sample_id):
    """``(drive, camera, frame number)`` of an A2D2 sample id, e.g.
    ``('20181108_084007', 'cam_front_center', 38301)``."""
    match = _SAMPLE_ID.match(sample_id)
    if match is None:
        raise ValueError(f'{sample_id!r} is not an A2D2 sample id '
                         '(<drive>/camera/cam_<view>/<drive>_camera_<view>_<number>).')
    return match['drive'], match['camera'], int(match['number'])


@DATASETS.register_module()
class A2D2Dataset(BaseSegDataset):
    """A2D2 prepared by ``tools/prepare_a2d2.py``, with the study's 19 classes.

    Each data info also carries ``sequence`` (drive/camera stream) and ``frame``
    (ordinal within the stream) from ``manifest.csv``, which pool builders and
    selection diagnostics use.
    """
    METAINFO = dict(
        classes=A2D2_CLASSES,
        palette=[[128, 64, 128], [0, 0, 142], [119, 11, 32], [220, 20, 60], [0, 0, 70],
                 [250, 170, 30], [220, 220, 0], [244, 35, 232], [107, 142, 35],
                 [70, 130, 180], [70, 70, 70], [0, 0, 230], [190, 153, 153], [0, 60, 100],
                 [153, 153, 153], [255, 255, 255], [250, 170, 160], [196, 196, 196],
                 [81, 0, 81]])

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self):
        return SequenceManifest.attach(super().load_data_list(), self.data_root,
                                       self.data_prefix['img_path'], self.img_suffix)
