"""The annotations that came back by webhook for the batch a run waits for.

Each accepted annotation is checked as the file import checks it (the same Label
Studio reader, rasterising brush and polygon results) and kept on disk, one file
per image under ``cycle_<k>/to_label/label_studio_live/annotations/``, so a restart
of the backend loses none. The batch is imported once, through the validated import
(``import_labels``), from a Label Studio JSON export made of the kept
annotations: it writes the masks and then the state, so an import cut short is
simply done again and a finished one is never repeated.
"""
import glob
import json
import os
import os.path as osp
import tempfile
from urllib.parse import quote

from mmseg_al.annotation import AnnotationError, read_label_studio_export
from mmseg_al.fileio import atomic_write_json

LIVE_DIR = 'label_studio_live'
EXPORT_FILE = 'export.json'
IMPORT_REQUEST_FILE = 'import_requested.json'


class LiveBatch:
    """The waiting batch of one cycle and the annotations kept for it.

    Args:
        folder (str): the batch's ``cycle_<k>/to_label`` folder.
        batch (dict): its manifest (``read_batch``): ``cycle``, ``classes``, ``items``.
    """

    def __init__(self, folder, batch):
        self.folder, self.cycle, self.classes = folder, batch['cycle'], batch['classes']
        self.items = {item['sample_id']: item for item in batch['items']}
        self.order = [item['sample_id'] for item in batch['items']]
        self.live_dir = osp.join(folder, LIVE_DIR)
        self.kept_dir = osp.join(self.live_dir, 'annotations')

    def _path(self, sample_id):
        return osp.join(self.kept_dir, quote(sample_id, safe='') + '.json')

    def kept(self):
        """``{sample id: {"task": {...}, "annotation": {...}}}`` of the kept annotations."""
        records = {}
        for path in glob.glob(osp.join(self.kept_dir, '*.json')):
            with open(path) as f:
                record = json.load(f)
            records[record['task']['data']['sample_id']] = record
        return records

    def complete(self):
        return set(self.kept()) >= set(self.items)

    def sample_of(self, task):
        """The sample id of a Label Studio task if it belongs to this batch, else None."""
        data = task.get('data') if isinstance(task, dict) else None
        if not isinstance(data, dict) or data.get('sample_id') not in self.items:
            return None
        return data['sample_id'] if data.get('al_cycle', self.cycle) == self.cycle else None

    def check(self, task, annotation):
        """The mask an annotation gives its task's image; AnnotationError if it cannot be used."""
        sample_id = self.sample_of(task)
        entry = dict(id=task.get('id'), data=task['data'], annotations=[annotation])
        os.makedirs(self.live_dir, exist_ok=True)
        with tempfile.NamedTemporaryFile('w', suffix='.json', dir=self.live_dir,
                                         prefix='.check-') as f:
            json.dump([entry], f)
            f.flush()
            masks = read_label_studio_export(f.name, self.classes)
        where = f'task {task.get("id")} ({sample_id})'
        if len(masks) != 1:
            raise AnnotationError(f'{where}: the annotation gives no mask.')
        item = self.items[sample_id]
        if masks[0].mask.shape != (item['height'], item['width']):
            raise AnnotationError(f'{where}: the mask is {masks[0].mask.shape[0]}x'
                                  f'{masks[0].mask.shape[1]}, the image {item["height"]}x'
                                  f'{item["width"]}.')
        return masks[0].mask

    def keep(self, task, annotation):
        """Check and keep the annotation of a batch task (it replaces the image's previous one)."""
        self.check(task, annotation)
        sample_id = self.sample_of(task)
        atomic_write_json(self._path(sample_id), dict(
            task=dict(id=task.get('id'), data=task['data']), annotation=annotation))
        return sample_id

    def forget(self, annotation_ids):
        """Drop kept annotations by their Label Studio ids; returns the sample ids dropped."""
        dropped = []
        for sample_id, record in self.kept().items():
            if record['annotation'].get('id') in annotation_ids:
                os.remove(self._path(sample_id))
                dropped.append(sample_id)
        return dropped

    # -- import ---------------------------------------------------------------
    def request_import(self):
        """Record that what came back is to be imported (kept across a restart until it is)."""
        atomic_write_json(osp.join(self.live_dir, IMPORT_REQUEST_FILE), dict(partial=True))

    def withdraw_import_request(self):
        path = osp.join(self.live_dir, IMPORT_REQUEST_FILE)
        if osp.isfile(path):
            os.remove(path)

    def import_request(self):
        """``{"partial": bool}`` if an import was requested, else None."""
        path = osp.join(self.live_dir, IMPORT_REQUEST_FILE)
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)

    def export(self):
        """Write the kept annotations as a Label Studio JSON export, in batch order; its path."""
        kept = self.kept()
        tasks = [dict(id=kept[s]['task']['id'], data=kept[s]['task']['data'],
                      annotations=[kept[s]['annotation']]) for s in self.order if s in kept]
        path = osp.join(self.live_dir, EXPORT_FILE)
        atomic_write_json(path, tasks)
        return path
