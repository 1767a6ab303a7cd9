"""The human oracle's import: the run waits for a batch; bring its masks in, then state.

Nothing is written unless every mask fits the batch, so a rejected import
changes nothing. Masks are written atomically one by one and the state last, so
an import interrupted half-way leaves the run waiting and can simply be re-run.
"""
import os.path as osp

from mmseg_al.al_state import ALState
from mmseg_al.annotation.batch import read_batch
from mmseg_al.annotation.masks import AnnotationError
from mmseg_al.annotation.returned_masks import read_masks, validate_masks
from mmseg_al.fileio import atomic_write_png
from mmseg_al.work_dir_files import STATE_FILE

# The keys of a cycle's state entry: its batch was exported / its labels came back.
WAITING, IMPORTED = 'waiting_for_labels', 'labels_imported'


def waiting_cycle(state):
    """The cycle whose batch waits for labels, or None."""
    waiting = [k for k, entry in state.cycles.items() if WAITING in entry]
    return waiting[0] if waiting else None


def _cycle_to_import(state):
    """The cycle whose batch waits for labels, or an error saying what the run is doing."""
    cycle = waiting_cycle(state)
    if cycle is not None:
        return cycle
    imported = [k for k, entry in state.cycles.items()
                if IMPORTED in entry and 'acquire' not in entry['done']]
    what = (f'the labels of cycle {imported[0]} were imported already; run tools/al_train.py '
            'to train the next cycle' if imported else
            'no batch was exported for labeling (is active_learning.oracle "human"?)')
    raise AnnotationError(f'{osp.dirname(state.path)} is not waiting for labels: {what}. '
                          'Nothing was changed.')


def import_labels(work_dir, source, fmt='auto', partial=False):
    """Validate ``source`` against the batch ``work_dir`` waits for, write masks and state.

    Returns:
        dict: ``cycle``, ``format``, ``ids`` (imported, rank order), ``not_returned``.
    """
    state_path = osp.join(work_dir, STATE_FILE)
    if not osp.isfile(state_path):
        raise AnnotationError(f'{work_dir} is not a work dir of tools/al_train.py (no '
                              f'{STATE_FILE}).')
    state = ALState.load(state_path)
    cycle = _cycle_to_import(state)
    batch = read_batch(osp.join(work_dir, state.cycles[cycle][WAITING]['to_label']))
    try:
        fmt, masks = read_masks(source, fmt, batch['classes'])
    except AnnotationError as err:
        raise AnnotationError(f'Import rejected, nothing was changed: {err}') from err
    masks = validate_masks(masks, batch, cycle, state.labeled, partial)
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
