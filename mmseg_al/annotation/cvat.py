"""CVAT "Segmentation mask 1.1": a zip (or folder) of colour PNGs and ``labelmap.txt``.

The layout CVAT writes and reads: ``labelmap.txt`` (``name:r,g,b:parts:actions``),
``SegmentationClass/<image name>.png`` (one colour per class) and
``ImageSets/Segmentation/default.txt`` (the image names). It is zipped PNGs and
text, read here with ``zipfile`` and OpenCV: the one maintained library for the
format (CVAT's Datumaro) would replace our OpenCV and Pillow pins. Colours go
through ``labelmap.txt`` and names are matched to the dataset's classes. CVAT
paints unlabeled pixels in its ``background`` colour, which becomes the dataset's
class of that name, or ``IGNORE_INDEX`` if it has none.
"""
import io
import os
import os.path as osp
import zipfile

import cv2
import numpy as np

from mmseg_al.annotation.masks import IGNORE_INDEX, AnnotationError, ReadMask
from mmseg_al.fileio import atomic_write_bytes

LABELMAP = 'labelmap.txt'
CLASS_DIR = 'SegmentationClass/'
IMAGE_SET = 'ImageSets/Segmentation/default.txt'
BACKGROUND = 'background'


def write_segmentation_mask_zip(path, masks, classes, palette):
    """Write ``{image name: HxW class indices}`` as a Segmentation mask 1.1 zip, atomically.

    Pixels of ``IGNORE_INDEX`` get CVAT's black background when the dataset's
    classes do not name one (and none is black), so they stay unlabeled after a
    round trip.
    """
    colours = [tuple(int(c) for c in rgb) for rgb in palette]
    lines = ['# label:color_rgb:parts:actions']
    if BACKGROUND not in classes and (0, 0, 0) not in colours:
        lines.append(f'{BACKGROUND}:0,0,0::')
    lines += [f'{name}:{",".join(map(str, rgb))}::' for name, rgb in zip(classes, colours)]
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(colours)] = colours
    lut[IGNORE_INDEX] = colours[classes.index(BACKGROUND)] if BACKGROUND in classes else 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(LABELMAP, '\n'.join(lines) + '\n')
        archive.writestr(IMAGE_SET, ''.join(f'{name}\n' for name in masks))
        for name, mask in masks.items():
            ok, png = cv2.imencode('.png', cv2.cvtColor(lut[mask], cv2.COLOR_RGB2BGR))
            archive.writestr(f'{CLASS_DIR}{name}.png', png.tobytes())
    atomic_write_bytes(path, buffer.getvalue())


class _Source:
    """Read files of a zip archive or of a folder by their archive names."""

    def __init__(self, path):
        self.path = path
        if osp.isdir(path):
            self.archive = None
            self.names = sorted(
                osp.relpath(osp.join(root, f), path).replace(os.sep, '/')
                for root, _, files in os.walk(path) for f in files)
            return
        try:
            self.archive = zipfile.ZipFile(path)
            self.names = sorted(self.archive.namelist())
        except (OSError, zipfile.BadZipFile) as err:
            raise AnnotationError(f'{path} is not a CVAT export (zip or folder): {err}.') from err

    def read(self, name):
        try:
            if self.archive is None:
                with open(osp.join(self.path, name), 'rb') as f:
                    return f.read()
            return self.archive.read(name)
        except (OSError, zipfile.BadZipFile, KeyError) as err:
            raise AnnotationError(f'{self.path}: cannot read {name} ({err}).') from err


def _read_labelmap(text, where):
    colours = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith('#'):
            continue
        fields = line.split(':')
        try:
            rgb = tuple(int(c) for c in fields[1].split(','))
            assert len(rgb) == 3 and all(0 <= c < 256 for c in rgb)
        except (IndexError, ValueError, AssertionError):
            raise AnnotationError(f'{where} line {number} is not "name:r,g,b:parts:actions": '
                                  f'{line!r}.') from None
        if rgb in colours:
            raise AnnotationError(f'{where}: colour {rgb} is given to both '
                                  f'{colours[rgb]!r} and {fields[0]!r}.')
        colours[rgb] = fields[0]
    return colours


def read_segmentation_mask(path, classes):
    """Masks of a CVAT Segmentation mask 1.1 export (zip or its unpacked folder)."""
    source = _Source(path)
    if LABELMAP not in source.names:
        raise AnnotationError(f'{path} has no {LABELMAP}; export the task from CVAT as '
                              '"Segmentation mask 1.1".')
    colours = _read_labelmap(source.read(LABELMAP).decode(errors='replace'),
                             f'{path}/{LABELMAP}')
    index = {name: i for i, name in enumerate(classes)}
    unknown = sorted(set(colours.values()) - set(index) - {BACKGROUND})
    if unknown:
        raise AnnotationError(f'{path}/{LABELMAP} names classes the dataset does not have: '
                              f'{unknown}; the classes are {list(classes)}.')
    # Colour -> class value, as one integer per pixel (r << 16 | g << 8 | b).
    values = {(r << 16) | (g << 8) | b: index.get(name, IGNORE_INDEX)
              for (r, g, b), name in colours.items()}
    keys = np.array(sorted(values), np.int64)
    lut = np.array([values[k] for k in keys], np.uint8)
    masks, stray = [], {}
    for name in source.names:
        if not (name.startswith(CLASS_DIR) and name.endswith('.png')):
            continue
        image = cv2.imdecode(np.frombuffer(source.read(name), np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise AnnotationError(f'{path}: {name} is not a readable PNG.')
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(np.int64)
        packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        where = np.clip(np.searchsorted(keys, packed), 0, len(keys) - 1)
        known = keys[where] == packed
        if not known.all():
            for colour in np.unique(packed[~known])[:5]:
                stray.setdefault((int(colour) >> 16, (int(colour) >> 8) & 255,
                                  int(colour) & 255), name)
            continue
        masks.append(ReadMask(name[len(CLASS_DIR):-len('.png')], lut[where], f'{path}:{name}'))
    if stray:
        raise AnnotationError(
            f'{path}: colours not in {LABELMAP}: ' + ', '.join(
                f'{rgb} (in {name})' for rgb, name in sorted(stray.items())[:10])
            + f'; {LABELMAP} has {sorted(colours)}.')
    return masks
