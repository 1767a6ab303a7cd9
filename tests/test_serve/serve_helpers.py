"""A backend on 127.0.0.1 over a hand-made work dir that waits for labels, in milliseconds.

The work dir is what a human-oracle run leaves after cycle 0 (state, exported
batch, selection scores); the predictor and the worker are stand-ins, so the
protocol, the webhook handling and the import run for real without training.
"""
import contextlib
import json
import os.path as osp
import threading
import time

import numpy as np

from mmseg_al.al_state import ALState
from mmseg_al.annotation import brush_results, labeling_config, write_batch
from mmseg_al.oracle import WAITING
from mmseg_al.serve import LiveLoop, create_app, model_version

CLASSES = ['background', 'one', 'two']
PALETTE = [[0, 0, 0], [255, 0, 0], [0, 255, 0]]
HEIGHT, WIDTH = 6, 8
BATCH = ['a/0001', 'a/0007', 'b/0003']
SCORES = {'a/0001': 0.9, 'a/0007': 0.7, 'b/0003': 0.4, 'c/0000': 0.1}
PROJECT = 3
SCHEMA = labeling_config(CLASSES, PALETTE)


def truth(sample_id):
    """The ground truth of an image: a different block pattern per image, classes 0..2."""
    seed = sum(map(ord, sample_id))
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    mask[:, seed % 4:seed % 4 + 3] = 1
    mask[seed % 3:seed % 3 + 2, :] = 2
    return mask


def make_waiting_work_dir(root):
    """A work dir whose cycle 0 exported ``BATCH`` and waits for labels."""
    work_dir = osp.join(root, 'work')
    folder = osp.join(work_dir, 'cycle_0', 'to_label')
    items = [dict(sample_id=s, image=osp.join(root, 'images', s + '.jpg'),
                  mask=osp.join(root, 'labels', s + '.png'), height=HEIGHT, width=WIDTH,
                  score=SCORES[s]) for s in BATCH]
    write_batch(folder, 0, items, {s: truth(s)[::-1].copy() for s in BATCH}, CLASSES, PALETTE,
                {s: f'/data/local-files/?d=images/{s}.jpg' for s in BATCH})
    with open(osp.join(work_dir, 'cycle_0', 'selection.json'), 'w') as f:
        json.dump(dict(cycle=0, ids=BATCH, scores=SCORES), f)
    state = ALState(osp.join(work_dir, 'al_state.json'), 0, 'hash', labeled={'z/0000': 0})
    state.mark_done(0, 'train', checkpoint=osp.join(work_dir, 'cycle_0', 'iter_4.pth'))
    state.mark_done(0, 'eval')
    state.cycle(0)[WAITING] = dict(images=len(BATCH), to_label='cycle_0/to_label')
    state.save()
    return work_dir


class FakePredictor:
    """Serves ``truth`` for the pool's images (``BATCH`` + one more) as cycle 0's model."""

    classes = CLASSES

    def __init__(self):
        self.cycle, self.loaded = 0, []

    @property
    def version(self):
        return model_version(self.cycle)

    def load(self, cycle, checkpoint):
        self.cycle = cycle
        self.loaded.append(checkpoint)

    def locate(self, task):
        sample_id = task.get('data', {}).get('sample_id')
        return (sample_id, None) if sample_id in SCORES else (None, 'not in the pool')

    def masks(self, sample_ids):
        return {s: truth(s) for s in sample_ids}


class FakeWorker:
    """Counts the cycles it is asked to run; never runs one."""

    def __init__(self):
        self.starts = 0

    def start(self):
        self.starts += 1
        return True

    def running(self):
        return False

    def last_error(self):
        return ''


class FakeLabelStudio:
    """The three calls the backend makes, on a list of tasks in memory."""

    def __init__(self, tasks=()):
        self.tasks, self.calls = list(tasks), []

    def project_tasks(self, project):
        self.calls.append(('tasks', project))
        return [dict(id=t['id'], data=t['data']) for t in self.tasks]

    def import_tasks(self, project, tasks):
        self.calls.append(('import', project, len(tasks)))
        for task in tasks:
            self.tasks.append(dict(id=100 + len(self.tasks), data=task['data'], annotations=[]))
        return len(tasks)

    def annotated_tasks(self, project):
        self.calls.append(('export', project))
        return [t for t in self.tasks if t['annotations']]


def task_of(sample_id, task_id=None, cycle=0):
    if task_id is None:
        task_id = 10 + BATCH.index(sample_id) if sample_id in BATCH else 99
    return dict(id=task_id,
                project=PROJECT,
                data=dict(image=f'/data/local-files/?d=images/{sample_id}.jpg',
                          sample_id=sample_id, al_cycle=cycle))


def annotation_of(sample_id, annotation_id, mask=None):
    mask = truth(sample_id) if mask is None else mask
    return dict(id=annotation_id, was_cancelled=False,
                updated_at=f'2026-12-07T10:00:0{annotation_id % 10}',
                result=[dict(r, origin='manual') for r in brush_results(mask, CLASSES)])


def annotation_event(sample_id, annotation_id, action='ANNOTATION_CREATED', project=PROJECT,
                     **kwargs):
    return dict(action=action, project=dict(id=project, label_config=SCHEMA),
                task=task_of(sample_id), annotation=annotation_of(sample_id, annotation_id,
                                                                   **kwargs))


@contextlib.contextmanager
def served(app, max_body=1024 * 1024):
    """A WSGI app served by waitress on 127.0.0.1 (a free port) in a thread; its URL."""
    from waitress import create_server
    server = create_server(app, host='127.0.0.1', port=0, threads=4,
                           max_request_body_size=max_body)
    stopped = threading.Event()

    def run():  # the server's loop, a step at a time, so that it can end between steps
        while not stopped.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        for channel in list(server._map.values()):  # the server and keep-alive connections
            channel.close()
        server.task_dispatcher.shutdown()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.effective_port}'
    finally:
        stopped.set()
        thread.join(timeout=10)


@contextlib.contextmanager
def running_backend(live, basic_auth=None, max_body=1024 * 1024):
    """The backend of ``live`` on 127.0.0.1, its live loop started; its URL."""
    with served(create_app(live, basic_auth, max_body), max_body) as url:
        live.start()
        try:
            yield url
        finally:
            live.stop()


def make_live_loop(work_dir, api=None, project=None):
    return LiveLoop(work_dir, num_cycles=2, classes=CLASSES, predictor=FakePredictor(),
                    worker=FakeWorker(), api=api, project=project)


def wait_until(condition, timeout=10, poll=0.05):
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)
