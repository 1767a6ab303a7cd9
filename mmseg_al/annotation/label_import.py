"""Import the masks annotators made for a waiting batch: validate all, then write.

Nothing is written unless every mask fits the batch, so a rejected import
changes nothing. Masks are written atomically one by one and the state last, so
an import interrupted half-way leaves the run waiting and can simply be re-run.
"""
import os.path as osp
from collections import Counter

import numpy as np

from mmseg_al.annotation.batch import read_batch
from mmseg_al.annotation.cvat import LABELMAP, read_segmentation_mask
from mmseg_al.annotation.label_studio import read_label_studio_export
from mmseg_al.annotation.masks import IGNORE_INDEX, AnnotationError, read_index_masks
from mmseg_al.engine.state import ALState
from mmseg_al.fileio import atomic_write_png

FORMATS = ('masks', 'label-studio', 'cvat')
WAITING, IMPORTED = 'waiting_for_labels', 'labels_imported'


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


def waiting_cycle(state):
    """The cycle whose batch waits for labels, or an error saying what the run is doing."""
    waiting = [k for k, entry in state.cycles.items() if WAITING in entry]
    if waiting:
        return waiting[0]
    imported = [k for k, entry in state.cycles.items()
                if IMPORTED in entry and 'acquire' not in entry['done']]
    what = (f'the labels of cycle {imported[0]} were imported already; run tools/al_train.py '
            'to train the next cycle' if imported else
            'no batch was exported for labeling (is active_learning.oracle "human"?)')
    raise AnnotationError(f'{osp.dirname(state.path)} is not waiting for labels: {what}. '
                          'Nothing was changed.')


def _read(source, fmt, classes):
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


def validate(masks, batch, state, cycle, partial):
    """Check read masks against the batch; returns {sample id: mask} or raises listing all."""
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
        earlier = [n for n in outside if n in state.labeled]
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


def import_labels(work_dir, source, fmt='auto', partial=False):
    """Validate ``source`` against the batch ``work_dir`` waits for, write masks and state.

    Returns:
        dict: ``cycle``, ``format``, ``ids`` (imported, rank order), ``not_returned``.
    """
    state_path = osp.join(work_dir, ALState.FILE)
    if not osp.isfile(state_path):
        raise AnnotationError(f'{work_dir} is not a work dir of tools/al_train.py (no '
                              f'{ALState.FILE}).')
    state = ALState.load(state_path)
    cycle = waiting_cycle(state)
    batch = read_batch(osp.join(work_dir, state.cycles[cycle][WAITING]['to_label']))
    try:
        fmt, masks = _read(source, fmt, batch['classes'])
    except AnnotationError as err:
        raise AnnotationError(f'Import rejected, nothing was changed: {err}') from err
    masks = validate(masks, batch, state, cycle, partial)
    items = [item for item in batch['items'] if item['sample_id'] in masks]
    for item in items:
        atomic_write_png(item['mask'], masks[item['sample_id']])
    entry = state.cycles[cycle]
    entry.pop(WAITING)
    entry[IMPORTED] = dict(
        format=fmt, source=osp.abspath(source), ids=[item['sample_id'] for item in items],
        not_returned=[item['sample_id'] for item in batch['items']
                      if item['sample_id'] not in masks])
    state.save()
    return dict(cycle=cycle, **entry[IMPORTED])
