"""Masks annotators returned for a batch: tell the source's format, read it, check it fits.

A format layer: readers of each format live beside this (index-PNG folders, Label
Studio JSON, CVAT "Segmentation mask 1.1"); here a source is read whatever its format
and checked against the batch once, for every format alike. What a run waits for and
where the masks go is the human oracle's (:mod:`mmseg_al.oracle.label_import`).
"""
import os.path as osp
from collections import Counter

import numpy as np

from mmseg_al.annotation.cvat import LABELMAP, read_segmentation_mask
from mmseg_al.annotation.label_studio import read_label_studio_export
from mmseg_al.annotation.masks import IGNORE_INDEX, AnnotationError, read_index_masks

FORMATS = ('masks', 'label-studio', 'cvat')


def detect_format(source):
    """'cvat' for a zip or a folder with labelmap.txt, 'label-studio' for JSON, else 'masks'."""
    if osp.isdir(source):
        return 'cvat' if osp.isfile(osp.join(source, LABELMAP)) else 'masks'
    if source.lower().endswith('.zip'):
        return 'cvat'
    if source.lower().endswith('.json'):
        return 'label-studio'
    raise AnnotationError(f'Cannot tell the format of {source}; pass --format '
                          f'({"|".join(FORMATS)}).')


def read_masks(source, fmt, classes):
    """``(format, [ReadMask])`` of ``source``; ``fmt`` ``'auto'`` tells it from the source."""
    if not osp.exists(source):
        raise AnnotationError(f'{source} does not exist.')
    fmt = detect_format(source) if fmt == 'auto' else fmt
    if fmt == 'masks':
        return fmt, read_index_masks(source)
    if fmt == 'label-studio':
        return fmt, read_label_studio_export(source, classes)
    if fmt == 'cvat':
        return fmt, read_segmentation_mask(source, classes)
    raise AnnotationError(f'Unknown format {fmt!r}; use auto or one of {FORMATS}.')


def _resolve(name, items, by_basename):
    """A source's name for an image -> its sample id (exact, else a unique file name)."""
    if name in items:
        return name
    matches = by_basename.get(osp.basename(name), [])
    return matches[0] if len(matches) == 1 else None


def validate_masks(masks, batch, cycle, labeled_before, partial):
    """Check read masks against the batch; returns {sample id: mask} or raises listing all.

    Args:
        masks (list[ReadMask]): what the source holds.
        batch (dict): the exported batch (:func:`~mmseg_al.annotation.batch.read_batch`).
        cycle (int): the cycle whose batch is awaited.
        labeled_before (Container[str]): ids labeled in earlier cycles, named when a
            source holds their masks.
        partial (bool): whether images of the batch may lack a mask.
    """
    items = {item['sample_id']: item for item in batch['items']}
    by_basename = {}
    for sample_id in items:
        by_basename.setdefault(osp.basename(sample_id), []).append(sample_id)
    problems = []
    other_cycles = sorted({m.cycle for m in masks if m.cycle is not None and m.cycle != cycle})
    if other_cycles:
        problems.append(f'the source holds the batch of cycle {other_cycles} but the run waits '
                        f'for the batch of cycle {cycle}')
    resolved = [(_resolve(m.name, items, by_basename), m) for m in masks]
    outside = [m.name for sample_id, m in resolved if sample_id is None]
    if outside:
        earlier = [n for n in outside if n in labeled_before]
        problems.append(f'{len(outside)} masks are for images not in the batch of cycle {cycle}: '
                        f'{outside[:10]}' + (f' ({len(earlier)} of them were labeled in an '
                                             'earlier cycle)' if earlier else ''))
    counts = Counter(sample_id for sample_id, _ in resolved if sample_id is not None)
    duplicates = sorted(s for s, n in counts.items() if n > 1)
    if duplicates:
        problems.append(f'{len(duplicates)} images have more than one mask: {duplicates[:10]}')
    missing = [s for s in items if s not in counts]
    if missing and not partial:
        problems.append(f'{len(missing)} of the {len(items)} images of the batch have no mask: '
                        f'{missing[:10]} (pass --partial to import the others and leave these '
                        'unlabeled)')
    if not counts:
        problems.append('no mask of the batch was found')
    wrong_size, unknown = [], {}
    for sample_id, m in resolved:
        if sample_id is None:
            continue
        expected = (items[sample_id]['height'], items[sample_id]['width'])
        if m.mask.shape != expected:
            wrong_size.append(f'{m.origin} is {m.mask.shape[0]}x{m.mask.shape[1]}, the image '
                              f'{expected[0]}x{expected[1]}')
        values = np.unique(m.mask)
        for value in values[(values >= len(batch['classes'])) & (values != IGNORE_INDEX)]:
            unknown.setdefault(int(value), m.origin)
    if wrong_size:
        problems.append(f'{len(wrong_size)} masks do not match their image size: '
                        + '; '.join(wrong_size[:5]))
    if unknown:
        problems.append(f'unknown class values {sorted(unknown)} (e.g. in '
                        f'{next(iter(unknown.values()))}); values are 0..'
                        f'{len(batch["classes"]) - 1} ({", ".join(batch["classes"])}) and '
                        f'{IGNORE_INDEX} for unlabeled pixels')
    if problems:
        raise AnnotationError('Import rejected, nothing was changed: ' + '; '.join(problems) + '.')
    return {sample_id: m.mask for sample_id, m in resolved}
