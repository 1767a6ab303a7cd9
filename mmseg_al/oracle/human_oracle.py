"""The oracle of real AL: people label each batch in Label Studio or CVAT.

After an acquisition the batch is exported to ``cycle_<k>/to_label/`` with the
current model's predictions to correct, the state records
``waiting_for_labels`` and the run stops. ``tools/al_import.py`` brings the masks
back (writing each where the pool dataset reads its label) and records
``labels_imported``; the next ``tools/al_train.py`` run labels exactly those ids
and trains the next cycle.
"""
import os.path as osp
from urllib.parse import quote

import numpy as np
import torch
from mmengine import dist
from mmengine.dataset import pseudo_collate

from mmseg_al.annotation.batch import write_batch
from mmseg_al.annotation.masks import AnnotationError
from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.models.segmentors import inference_segmentor
from mmseg_al.oracle.label_import import IMPORTED, WAITING
from mmseg_al.work_dir_files import TO_LABEL_DIR, cycle_dir

LOCAL_FILES = 'local-files'


class WaitingForLabels(Exception):
    """The run stopped until the exported batch is labeled and imported (not an error)."""


class HumanOracle:
    """Export each batch for annotators, stop, and continue with what they return.

    Args:
        work_dir (str): the experiment's work dir.
        query_dataset (dict): the pool dataset config with the query pipeline
            (images only), used to predict the batch.
        batch_size (int): images per prediction forward pass.
        image_url (str): ``'local-files'`` for Label Studio's local file serving
            (``/data/local-files/?d=<path>``), or a URL prefix the image paths are
            appended to (e.g. a bucket or web server).
        document_root (str, optional): image paths in URLs are relative to this
            folder (Label Studio's ``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT``);
            default: the pool's ``data_root``.
    """

    def __init__(self, work_dir, query_dataset, batch_size=8, image_url=LOCAL_FILES,
                 document_root=None):
        self.work_dir, self.query_dataset = work_dir, query_dataset
        self.batch_size, self.image_url = batch_size, image_url
        self.document_root = document_root

    # -- before cycle 0 -------------------------------------------------------
    def initial_ids(self, pool, num_initial, seed):
        """The pool images that have a mask on disk already: the labeled start."""
        if getattr(pool.dataset, 'reduce_zero_label', False):
            raise AnnotationError('The human oracle writes masks of class indices; a pool with '
                                  'reduce_zero_label=True is not supported.')
        infos = [pool.dataset.get_data_info(i) for i in range(len(pool.pool_ids))]
        labeled = [s for s, info in zip(pool.pool_ids, infos) if osp.isfile(info['seg_map_path'])]
        if not labeled:
            folder = osp.dirname(infos[0]['seg_map_path']) if infos else '?'
            raise AnnotationError(
                f'None of the {len(infos)} pool images has a mask yet (looked in {folder}). '
                'The human oracle starts from a few labeled images: put their index-PNG masks '
                'there, named like the images (see the README section "Labeling your own '
                'images").')
        return labeled

    # -- after each acquisition -----------------------------------------------
    def request(self, cycle, selection, trained_runner, state):
        """Ids whose labels were imported for this batch, else export it and stop."""
        entry = state.cycle(cycle)
        if IMPORTED in entry:
            return entry[IMPORTED]['ids']
        if WAITING not in entry:
            runner = trained_runner()  # on every rank: building one may be collective
            if dist.get_rank() == 0:
                self._export(cycle, selection, runner)
                entry[WAITING] = dict(images=len(selection['ids']), to_label=osp.relpath(
                    self.to_label_dir(cycle), self.work_dir))
                state.save()
            dist.barrier()
        raise WaitingForLabels(self.message(cycle, len(selection['ids'])))

    def to_label_dir(self, cycle):
        """Where the batch of ``cycle`` is exported for annotators."""
        return osp.join(cycle_dir(self.work_dir, cycle), TO_LABEL_DIR)

    def message(self, cycle, num_images):
        return (f'cycle {cycle}: {num_images} images wait for labels. The batch is exported to '
                f'{self.to_label_dir(cycle)}/ (batch.csv; label_studio/tasks.json + '
                'labeling_config.xml; cvat/images.txt + predictions_segmentation_mask_1.1.zip). '
                'Label it, export the masks (Label Studio: JSON; CVAT: Segmentation mask 1.1), '
                'then import them:\n'
                f'    python tools/al_import.py {self.work_dir} SOURCE\n'
                'and run this command again to train the next cycle.')

    def _urls(self, infos, root):
        base = '/data/local-files/?d=' if self.image_url == LOCAL_FILES else (
            self.image_url.rstrip('/') + '/')
        return {s: base + quote(osp.relpath(info['img_path'], root).replace(osp.sep, '/'))
                for s, info in infos.items()}

    @torch.no_grad()
    def _predict(self, model, dataset, ids):
        model = inference_segmentor(model)
        was_training = model.training
        model.eval()
        predictions = {}
        try:
            indices = dataset.index_of(ids)
            for start in range(0, len(ids), self.batch_size):
                chunk = indices[start:start + self.batch_size]
                outputs = model.test_step(pseudo_collate([dataset[i] for i in chunk]))
                for sample_id, out in zip(ids[start:start + self.batch_size], outputs):
                    predictions[sample_id] = out.pred_sem_seg.data[0].cpu().numpy().astype(
                        np.uint8)
        finally:
            model.train(was_training)
        return predictions

    def _export(self, cycle, selection, runner):
        dataset = ActiveDataset(self.query_dataset, view='all', with_labels=False)
        ids = selection['ids']
        infos = {s: dataset.dataset.get_data_info(i) for s, i in zip(ids, dataset.index_of(ids))}
        predictions = self._predict(runner.model, dataset, ids)
        items = [dict(sample_id=s, image=osp.abspath(infos[s]['img_path']),
                      mask=osp.abspath(infos[s]['seg_map_path']),
                      height=int(predictions[s].shape[0]), width=int(predictions[s].shape[1]),
                      score=selection['scores'].get(s)) for s in ids]
        root = self.document_root or dataset.dataset.data_root or osp.dirname(items[0]['image'])
        metainfo = dataset.metainfo
        write_batch(self.to_label_dir(cycle), cycle, items, predictions,
                    list(metainfo['classes']), metainfo['palette'], self._urls(infos, root))
