"""The live loop behind the ML backend: serve predictions, collect labels, run the next cycle.

What it does is decided from the files of the work dir alone (the driver's
``al_state.json``, the exported batch, the annotations kept for it and
``live_loop.json``), each time something happens: at start, when the worker
ends, when a webhook completes the batch, when Label Studio connects. So a
restart after a kill picks up where the files say the run is:

- no state, or the run neither waits for labels nor is done: start the worker
  (it trains, evaluates, acquires and exports the next batch, as al_train.py);
- waiting for labels: serve the model that chose the batch, push the batch's
  tasks to the connected Label Studio project (once: tasks already there are not
  added again), catch up on annotations made while the backend was away, and
  when every image is annotated (or on START_TRAINING) import the batch and start
  the worker;
- done: keep serving the last model.

:class:`~mmseg_al.serve.protocol.MLBackend` answers Label Studio's calls from
this loop and hands it what changes the run (a project connects, training is asked for).
"""
import json
import logging
import os.path as osp
import threading

from mmseg_al.al_state import ALState
from mmseg_al.annotation import AnnotationError, read_batch
from mmseg_al.annotation.batch import LABEL_STUDIO_TASKS
from mmseg_al.fileio import atomic_write_json
from mmseg_al.oracle import IMPORTED, WAITING, import_labels, waiting_cycle
from mmseg_al.serve.label_studio_api import LabelStudioError
from mmseg_al.serve.live_batch import LiveBatch
from mmseg_al.serve.worker import WORKER_LOG
from mmseg_al.work_dir_files import RESULTS_FILE, STATE_FILE, TO_LABEL_DIR, cycle_dir

logger = logging.getLogger('mmseg_al.serve')
LIVE_LOOP_FILE = 'live_loop.json'  # the connected project and the batches pushed to it
# A push that failed (Label Studio unreachable) is tried again at least this often.
RETRY_S = 60


class LiveLoop:
    """The state machine of one experiment served to Label Studio.

    Args:
        work_dir (str): the experiment's work dir.
        num_cycles (int): the experiment's last cycle.
        classes (list[str]): the dataset's classes.
        predictor: serves masks (:class:`~mmseg_al.serve.predictor.Predictor`):
            ``version``, ``cycle``, ``locate(task)``, ``masks(ids)``, ``load(cycle, ckpt)``.
        worker: runs the driver's next cycle (:class:`~mmseg_al.serve.worker.CycleWorker`):
            ``start()``, ``running()``, ``last_error()``.
        api (LabelStudioAPI, optional): where batches are pushed; None: files only.
        project (int, optional): the Label Studio project; default: the first that
            connects (``/setup``), remembered in ``live_loop.json``.
    """

    def __init__(self, work_dir, num_cycles, classes, predictor, worker, api=None,
                 project=None):
        self.work_dir, self.num_cycles, self.classes = work_dir, num_cycles, list(classes)
        self.predictor, self.worker, self.api = predictor, worker, api
        self.record_path = osp.join(work_dir, LIVE_LOOP_FILE)
        self.record = self._load_record()
        if project is not None and self.record.get('project') != project:
            self.record['project'] = project
            self._save_record()
        self.phase, self.message = 'starting', ''
        self.lock = threading.RLock()  # every change of the work dir happens under it
        self._kick = threading.Event()
        self._stopping = False
        self._caught_up = set()
        self._thread = None

    # -- the record of the connection -------------------------------------------
    def _load_record(self):
        if not osp.isfile(self.record_path):
            return dict(project=None, pushed={})
        with open(self.record_path) as f:
            return json.load(f)

    def _save_record(self):
        atomic_write_json(self.record_path, self.record)

    @property
    def project(self):
        return self.record.get('project')

    # -- the supervisor -------------------------------------------------------------
    def start(self):
        """Start the background thread that moves the run on; it looks at once."""
        self._thread = threading.Thread(target=self._supervise, daemon=True,
                                        name='mmseg_al-live-loop')
        self._thread.start()
        self.kick()

    def kick(self):
        """Ask the supervisor to look at the work dir again."""
        self._kick.set()

    def stop(self):
        self._stopping = True
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _supervise(self):
        while not self._stopping:
            self._kick.wait(timeout=RETRY_S)
            self._kick.clear()
            if self._stopping:
                return
            try:
                self.advance()
            except Exception as err:  # noqa: BLE001  the server stays up; the log says why
                logger.exception('the live loop stopped on an error')
                self.phase, self.message = 'failed', f'{type(err).__name__}: {err}'

    def worker_ended(self, code):
        """The worker's exit hook: note a failure, then look again."""
        if code != 0 and not self._stopping:
            self.phase = 'failed'
            self.message = (f'the cycle stopped with exit code {code}: '
                            f'{self.worker.last_error()} (log: {WORKER_LOG}; send '
                            'START_TRAINING or restart the backend to try again)')
            logger.error(self.message)
        self.kick()

    def _state(self):
        path = osp.join(self.work_dir, STATE_FILE)
        return ALState.load(path) if osp.isfile(path) else None

    def _trained(self, state):
        """``(cycle, checkpoint)`` of the latest trained cycle, or None."""
        trained = [k for k in state.cycles if 'train' in state.cycles[k].get('done', [])]
        if not trained:
            return None
        k = max(trained)
        return k, state.cycles[k].get('checkpoint')

    def _refresh_model(self, state):
        trained = self._trained(state) if state is not None else None
        if trained is None or trained[0] == self.predictor.cycle:
            return
        cycle, checkpoint = trained
        if not checkpoint or not osp.isfile(checkpoint):
            logger.warning(f'cycle {cycle}: its checkpoint {checkpoint} is gone; predictions '
                           f'stay with {self.predictor.version}')
            return
        self.predictor.load(cycle, checkpoint)
        logger.info(f'serving the model of cycle {cycle}')

    def finished(self, state):
        return state is not None and 'eval' in state.cycles.get(self.num_cycles, {}).get(
            'done', [])

    def advance(self):
        """Do what the work dir says is next (see the module docstring)."""
        if self.worker.running():
            return
        state = self._state()
        self._refresh_model(state)  # outside the lock: webhooks keep being answered
        with self.lock:
            if self.worker.running():
                return
            if self.finished(state):
                if self.phase != 'done':
                    self.phase, self.message = 'done', (
                        f'all {self.num_cycles} cycles are done; results in '
                        f'{osp.join(self.work_dir, RESULTS_FILE)}')
                    logger.info(self.message)
                return
            cycle = waiting_cycle(state) if state is not None else None
            if cycle is None:
                if self.phase != 'failed':
                    self._start_worker(state)
                return
            batch = self.batch(state, cycle)
            self.phase = 'waiting_for_labels'
            self._push(batch)
            self._catch_up(batch)
            requested = batch.import_request() is not None
            if requested and not batch.kept():
                batch.withdraw_import_request()
                self.message = (f'cycle {batch.cycle}: training was asked for, but no image '
                                'of the batch is annotated yet')
                logger.info(self.message)
            elif requested or batch.complete():
                self._import(batch, partial=requested)
                self._start_worker(self._state())
            else:
                self.message = (f'cycle {cycle}: {len(batch.kept())} of {len(batch.items)} '
                                'images annotated')

    def _start_worker(self, state):
        # The cycle after the last one whose batch is labeled (imported or acquired).
        k = 0 if state is None else max(
            [c for c, entry in state.cycles.items()
             if IMPORTED in entry or 'acquire' in entry.get('done', [])], default=-1) + 1
        if self.worker.start():
            self.phase, self.message = 'training', f'cycle {k}: training'
            logger.info(f'cycle {k}: training (log: {osp.join(self.work_dir, WORKER_LOG)})')

    # -- the waiting batch ------------------------------------------------------------
    def batch(self, state, cycle):
        """The exported batch of ``cycle`` (where the state says it is) and its annotations."""
        waiting = state.cycles[cycle][WAITING]
        folder = (osp.join(self.work_dir, waiting['to_label']) if 'to_label' in waiting else
                  osp.join(cycle_dir(self.work_dir, cycle), TO_LABEL_DIR))
        return LiveBatch(folder, read_batch(folder))

    def waiting_batch(self):
        """The batch the run waits for, or None (training, done, not started)."""
        state = self._state()
        cycle = waiting_cycle(state) if state is not None else None
        return None if cycle is None else self.batch(state, cycle)

    def _import(self, batch, partial):
        source = batch.export()
        done = import_labels(self.work_dir, source, 'label-studio', partial=partial)
        left = (f'; {len(done["not_returned"])} stay unlabeled' if done['not_returned'] else '')
        logger.info(f'cycle {batch.cycle}: imported {len(done["ids"])} masks{left}')

    def _push(self, batch):
        """Add the batch's tasks to the connected project, unless they are there already."""
        key = str(batch.cycle)
        pushed = self.record['pushed'].get(key)
        if self.api is None:
            if pushed is None:
                self.record['pushed'][key] = dict(project=None, tasks=0)
                self._save_record()
                logger.info(f'cycle {batch.cycle}: {len(batch.items)} images wait for labels; '
                            f'no LABEL_STUDIO_URL, so import the tasks of '
                            f'{osp.join(batch.folder, LABEL_STUDIO_TASKS)} into the project')
            return
        if self.project is None or (pushed or {}).get('project') == self.project:
            return
        with open(osp.join(batch.folder, LABEL_STUDIO_TASKS)) as f:
            exported = json.load(f)
        try:
            there = {(t['data'].get('sample_id'), t['data'].get('al_cycle'))
                     for t in self.api.project_tasks(self.project)
                     if isinstance(t.get('data'), dict)}
            # Predictions are left to Label Studio to ask for (/predict), with the model
            # that is current when an annotator opens the task.
            tasks = [dict(data=t['data']) for t in exported
                     if (t['data']['sample_id'], t['data']['al_cycle']) not in there]
            if tasks:
                self.api.import_tasks(self.project, tasks)
        except LabelStudioError as err:
            self.message = f'cycle {batch.cycle}: the batch is not in Label Studio yet: {err}'
            logger.error(self.message)
            return
        self.record['pushed'][key] = dict(project=self.project, tasks=len(tasks))
        self._save_record()
        logger.info(f'cycle {batch.cycle}: {len(batch.items)} images wait for labels in Label '
                    f'Studio project {self.project} ({len(tasks)} tasks added)')

    def _catch_up(self, batch):
        """Keep annotations made in Label Studio while no backend listened (once per batch)."""
        if self.api is None or self.project is None or batch.cycle in self._caught_up:
            return
        try:
            exported = self.api.annotated_tasks(self.project)
        except LabelStudioError as err:
            logger.warning(f'cannot read annotations from Label Studio: {err}')
            return
        self._caught_up.add(batch.cycle)
        kept = batch.kept()
        for task in exported or []:
            sample_id = batch.sample_of(task)
            annotations = [a for a in task.get('annotations', []) if not a.get('was_cancelled')]
            if sample_id is None or not annotations:
                continue
            latest = max(annotations, key=lambda a: (a.get('updated_at') or '', a.get('id', 0)))
            previous = kept.get(sample_id, {}).get('annotation', {})
            if (previous.get('id'), previous.get('updated_at')) == (latest.get('id'),
                                                                     latest.get('updated_at')):
                continue
            try:
                batch.keep(task, latest)
            except AnnotationError as err:
                logger.warning(f'not kept: {err}')

    # -- what Label Studio asks for (see protocol.py) ------------------------------------
    def connect(self, project):
        """Serve ``project`` if no project is served yet; the project served."""
        with self.lock:
            if self.project is None:
                self.record['project'] = project
                self._save_record()
                logger.info(f'connected to Label Studio project {project}')
            return self.project

    def read_back(self):
        """Read the waiting batch's annotations from Label Studio again (a bulk import)."""
        batch = self.waiting_batch()
        if batch is not None:
            self._caught_up.discard(batch.cycle)
            self.kick()

    def request_training(self):
        """START_TRAINING: import what came back (like --partial) and run the next cycle.

        Label Studio waits for the answer, so what it holds is read afterwards, by the
        supervisor, not here.

        Returns:
            str: what happens now, for the answer to Label Studio.
        """
        with self.lock:
            if self.worker.running():
                return 'a cycle is training already'
            batch = self.waiting_batch()
            if batch is None:
                self.phase = 'starting' if self.phase == 'failed' else self.phase
                self.kick()
                return 'no batch waits for labels'
            kept = len(batch.kept())
            if not kept and self.api is None:
                return 'no image of the batch is annotated yet'
            batch.request_import()
            self._caught_up.discard(batch.cycle)
        self.kick()
        return (f'importing the annotated images ({kept} so far of {len(batch.items)}); then '
                'the next cycle trains')
