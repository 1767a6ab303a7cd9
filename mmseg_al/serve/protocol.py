"""The Label Studio ML backend protocol over a live loop: each call checked, then answered.

Label Studio waits briefly for every answer, so the handlers answer from what is
at hand (the model being served, the waiting batch on disk) and leave what takes
longer (an import, a push, training) to the live loop's supervisor, which they
kick.
"""
import json
import logging
import os.path as osp

from mmseg_al.annotation import AnnotationError
from mmseg_al.fileio import StateError
from mmseg_al.serve.predictor import brush_schema, prediction
from mmseg_al.work_dir_files import SELECTION_FILE, cycle_dir

logger = logging.getLogger('mmseg_al.serve')
ANNOTATION_EVENTS = ('ANNOTATION_CREATED', 'ANNOTATION_UPDATED')
DELETE_EVENTS = ('ANNOTATION_DELETED', 'ANNOTATIONS_DELETED')
TRAIN_EVENTS = ANNOTATION_EVENTS + DELETE_EVENTS + ('ANNOTATIONS_CREATED', 'START_TRAINING')


class BadRequest(ValueError):
    """A request the backend cannot read (answered 4xx, nothing changed)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def project_id(value):
    """The project id of ``"<id>.<created>"``, ``<id>`` or ``{"id": <id>}``; BadRequest if none."""
    if isinstance(value, dict):
        value = value.get('id')
    if isinstance(value, str):
        value = value.split('.', 1)[0]
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f'no Label Studio project id in {str(value)[:80]!r}') from None


class MLBackend:
    """The answers to Label Studio's calls (``/health``, ``/setup``, ``/predict``, ``/webhook``).

    Args:
        loop (LiveLoop): the experiment served; its ``lock`` guards every change of
            the waiting batch.
    """

    def __init__(self, loop):
        self.loop = loop

    def health(self):
        loop = self.loop
        batch = loop.waiting_batch() if loop.phase == 'waiting_for_labels' else None
        answer = dict(status='UP', model_class='mmseg_al', model_version=loop.predictor.version,
                      phase=loop.phase, message=loop.message)
        if batch is not None:
            answer.update(cycle=batch.cycle, annotated=len(batch.kept()),
                          batch_size=len(batch.items))
        return answer

    def setup(self, payload):
        """``/setup``: remember the project, check its labeling config; the model version."""
        project = project_id(payload.get('project'))
        schema = payload.get('schema')
        if not isinstance(schema, str):
            raise BadRequest('/setup needs the project\'s labeling config in "schema"')
        try:
            brush_schema(schema)
        except AnnotationError as err:
            raise BadRequest(str(err), status=422) from None
        served = self.loop.connect(project)
        if served != project:
            raise BadRequest(
                f'this backend serves Label Studio project {served} '
                f'(work dir {self.loop.work_dir}); start another backend for project {project}, '
                'or restart this one with --project', status=409)
        self.loop.kick()  # a batch may wait to be pushed (again, if Label Studio was away)
        return dict(model_version=self.loop.predictor.version)

    def _scores(self, batch):
        """Sample id -> the acquisition score that chose the waiting batch (rank if none)."""
        if batch is None:
            return {}
        path = osp.join(cycle_dir(self.loop.work_dir, batch.cycle), SELECTION_FILE)
        scores = {}
        if osp.isfile(path):
            with open(path) as f:
                scores = dict(json.load(f).get('scores') or {})
        # Label Studio orders tasks by score: without scores, by acquisition rank.
        for rank, sample_id in enumerate(batch.order):
            scores.setdefault(sample_id, 1.0 - rank / len(batch.order))
        return scores

    def predict(self, payload):
        """``/predict``: one brush prediction per task, in the order asked."""
        tasks = payload.get('tasks')
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise BadRequest('/predict needs "tasks": a list of Label Studio tasks')
        label_config = payload.get('label_config')
        classes, predictor = self.loop.classes, self.loop.predictor
        try:
            schema = brush_schema(label_config) if isinstance(label_config, str) else (
                'label', 'image', classes)
        except AnnotationError as err:
            raise BadRequest(str(err), status=422) from None
        located = [predictor.locate(task) for task in tasks]
        for task, (sample_id, why) in zip(tasks, located):
            if sample_id is None:
                logger.warning(f'task {task.get("id")}: empty prediction: {why}')
        version = predictor.version
        masks = predictor.masks(list(dict.fromkeys(s for s, _ in located if s)))
        try:
            scores = self._scores(self.loop.waiting_batch())
        except (AnnotationError, StateError, OSError):
            scores = {}
        results = []
        for sample_id, _ in located:
            if sample_id in masks:
                results.append(prediction(masks[sample_id], classes, schema,
                                          scores.get(sample_id), version))
            else:
                results.append(dict(model_version=version, score=0.0, result=[]))
        return results

    def webhook(self, payload):
        """``/webhook``: ``(HTTP status, answer)`` for one Label Studio event."""
        action = payload.get('action')
        if not isinstance(action, str):
            raise BadRequest('a webhook needs an "action"')
        if action not in TRAIN_EVENTS:
            return 200, dict(status='Unknown event')
        project, served = project_id(payload.get('project')), self.loop.project
        if served is not None and project != served:
            logger.info(f'{action} from Label Studio project {project} ignored: this backend '
                        f'serves project {served}')
            return 200, dict(status='ignored', reason=f'not project {served}')
        if action in ANNOTATION_EVENTS:
            return self._annotation(payload)
        if action == 'ANNOTATIONS_CREATED':  # a bulk import: read back from Label Studio
            self.loop.read_back()
            return 201, dict(status='ok')
        if action in DELETE_EVENTS:
            return self._deleted(action, payload)
        # START_TRAINING
        return 201, dict(status='ok', result=self.loop.request_training())

    def _annotation(self, payload):
        annotation, task = payload.get('annotation'), payload.get('task')
        if not isinstance(annotation, dict) or not isinstance(annotation.get('result'), list):
            raise BadRequest('an annotation event needs "annotation" with a "result" list')
        if not isinstance(task, dict) or not isinstance(task.get('data'), dict):
            raise BadRequest('an annotation event needs "task" with its "data"')
        with self.loop.lock:
            batch = self.loop.waiting_batch()
            sample_id = batch.sample_of(task) if batch is not None else None
            if sample_id is None:
                why = ('no batch waits for labels now' if batch is None else
                       f'not a task of the batch of cycle {batch.cycle}')
                logger.info(f'annotation of task {task.get("id")} ignored: {why}')
                return 200, dict(status='ignored', reason=why)
            if annotation.get('was_cancelled'):
                dropped = batch.forget({annotation.get('id')})
                return 201, dict(status='ok', dropped=dropped)
            try:
                batch.keep(task, annotation)
            except AnnotationError as err:
                logger.warning(f'annotation of task {task.get("id")} not kept: {err}')
                raise BadRequest(str(err), status=422) from None
            kept, total = len(batch.kept()), len(batch.items)
        logger.info(f'cycle {batch.cycle}: {kept} of {total} images annotated')
        if kept >= total:
            self.loop.kick()
        return 201, dict(status='ok', annotated=kept, batch_size=total)

    def _deleted(self, action, payload):
        found = payload.get('annotations') or [payload.get('annotation')]
        ids = {a.get('id') for a in found if isinstance(a, dict)}
        if not ids:
            raise BadRequest(f'{action} names no annotation id')
        with self.loop.lock:
            batch = self.loop.waiting_batch()
            dropped = batch.forget(ids) if batch is not None else []
        if dropped:
            logger.info(f'cycle {batch.cycle}: annotation of {dropped} deleted')
        return 201, dict(status='ok', dropped=dropped)
