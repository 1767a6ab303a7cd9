"""Label masks as the importer sees them, and folders of index-PNG masks (one per image).

Every reader of ``mmseg_al.annotation`` turns its format into :class:`ReadMask`
items: HxW uint8 class indices, 255 where nothing was labeled (MMSeg's ignore
index). Readers report problems of their own format (a corrupt file, an unknown
colour or class name); whether the masks fit a batch is checked once, for every
format alike, by :mod:`mmseg_al.annotation.returned_masks`.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from mmseg_al.fileio import atomic_write_png

IGNORE_INDEX = 255


class AnnotationError(ValueError):
    """Annotations cannot be imported as they are; nothing was written."""


@dataclass(frozen=True)
class ReadMask:
    """One image's mask as a source gives it.

    Args:
        name: the sample id (or image name) the source names the mask by.
        mask: HxW uint8 class indices, ``IGNORE_INDEX`` where nothing was labeled.
        origin: where it came from (file, task), for messages.
        cycle: the AL cycle the source says it belongs to, if it says one.
    """
    name: str
    mask: np.ndarray
    origin: str
    cycle: Optional[int] = None


def write_index_masks(folder, masks, suffix='.png'):
    """Write ``{sample id: HxW uint8 mask}`` as ``folder/<sample id><suffix>``, atomically."""
    for sample_id, mask in masks.items():
        atomic_write_png(osp.join(folder, sample_id + suffix), np.asarray(mask, np.uint8))


def read_index_masks(folder, suffix='.png'):
    """Read every ``*<suffix>`` under ``folder`` as a single-channel index mask.

    The name of a mask is its path relative to ``folder`` without the suffix, so
    a folder written by :func:`write_index_masks` reads back as it was written.
    """
    if not osp.isdir(folder):
        raise AnnotationError(f'{folder} is not a folder of index-PNG masks.')
    found, bad = [], []
    for root, _, names in sorted(os.walk(folder)):
        for file_name in sorted(names):
            if not file_name.endswith(suffix) or file_name.startswith('.'):
                continue
            path = osp.join(root, file_name)
            mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if mask is None or mask.ndim != 2 or mask.dtype != np.uint8:
                shape = 'unreadable' if mask is None else f'{mask.dtype} {mask.shape}'
                bad.append(f'{path} ({shape})')
                continue
            name = osp.relpath(path, folder)[:-len(suffix)].replace(os.sep, '/')
            found.append(ReadMask(name, mask, path))
    if bad:
        raise AnnotationError(f'{len(bad)} files are not single-channel 8-bit index PNGs '
                              f'(one class value per pixel, {IGNORE_INDEX} = not labeled): '
                              + ', '.join(bad[:5]))
    return found
