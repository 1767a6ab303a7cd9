"""The current cycle's model, answering Label Studio's ``/predict`` with brush masks.

A task is matched to a pool image by its ``sample_id`` (the tasks the backend and
``tools/al_train.py`` export carry it), else by its image URL or path: Label
Studio's local-files URL (``/data/local-files/?d=<path>``), the oracle's
``image_url`` prefix, or a file path, each taken relative to the document root.
The model is replaced only when the next one is loaded, so predictions keep
coming from the previous cycle's model while the next cycle trains.
"""
import copy
import logging
import os.path as osp
import threading
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint

from mmseg_al.annotation import IGNORE_INDEX, AnnotationError, brush_results
from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.datasets.ssl_dataloader import apply_ssl
from mmseg_al.models.segmentors import inference_segmentor
from mmseg_al.registry import MODELS

logger = logging.getLogger('mmseg_al.serve')
LOCAL_FILES = 'local-files'
LOCAL_FILES_PATH = '/data/local-files/'
UNTRAINED = 'mmseg_al untrained'


def model_version(cycle):
    """The version Label Studio files predictions under (as in exported tasks)."""
    return UNTRAINED if cycle is None else f'mmseg_al cycle {cycle}'


def brush_schema(label_config):
    """``(from_name, to_name, labels)`` of the first ``<BrushLabels>`` of a labeling config.

    Raises:
        AnnotationError: the config is not XML or has no ``<BrushLabels>`` over an image.
    """
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError as err:
        raise AnnotationError(f'The labeling config is not XML ({err}).') from None
    for tag in root.iter():
        if tag.tag.lower() == 'brushlabels' and tag.get('name') and tag.get('toName'):
            labels = [label.get('value') for label in tag if label.tag.lower() == 'label']
            return tag.get('name'), tag.get('toName'), labels
    raise AnnotationError('The labeling config has no <BrushLabels name=... toName=...> tag; '
                          'use the one the backend wrote (label_studio_labeling_config.xml in '
                          'the work dir).')


def prediction(mask, classes, schema, score, version):
    """One Label Studio prediction: a brush result per class present in ``mask``."""
    from_name, to_name, labels = schema
    results = [dict(r, from_name=from_name, to_name=to_name)
               for r in brush_results(mask, classes)
               if r['value']['brushlabels'][0] in labels]
    return dict(model_version=version, score=score, result=results)


class Predictor:
    """Predicts pool images with the model of the latest trained cycle.

    Args:
        cfg (mmengine.Config): the experiment config (its ``model`` and ``ssl``).
        query_dataset (dict): the pool dataset config with the query pipeline.
        image_url (str): the human oracle's ``image_url``.
        document_root (str, optional): image paths in URLs are relative to it;
            default: the pool's ``data_root``.
        batch_size (int): images per forward pass.
    """

    def __init__(self, cfg, query_dataset, image_url=LOCAL_FILES, document_root=None,
                 batch_size=8):
        self.cfg, self.image_url, self.batch_size = cfg, image_url, batch_size
        self.dataset = ActiveDataset(copy.deepcopy(query_dataset), view='all', with_labels=False)
        self.classes = list(self.dataset.metainfo['classes'])
        self._ids = set(self.dataset.pool_ids)
        self.document_root = osp.abspath(document_root or self.dataset.dataset.data_root or '.')
        self._by_path = {}
        for sample_id, index in zip(self.dataset.pool_ids,
                                    self.dataset.index_of(self.dataset.pool_ids)):
            path = osp.abspath(self.dataset.dataset.get_data_info(index)['img_path'])
            self._by_path[osp.relpath(path, self.document_root).replace(osp.sep, '/')] = sample_id
        self.cycle, self.checkpoint, self._model = None, None, None
        self._infer = threading.Lock()

    @property
    def version(self):
        return model_version(self.cycle)

    def load(self, cycle, checkpoint):
        """Load ``checkpoint`` (cycle ``cycle``) and serve it from now on."""
        cfg = apply_ssl(copy.deepcopy(self.cfg))
        model_cfg = copy.deepcopy(cfg.model)
        if cfg.get('data_preprocessor') is not None:
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
        model = MODELS.build(model_cfg)
        load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
        model = inference_segmentor(model)
        if torch.cuda.is_available():
            model = model.cuda()
        model.eval()
        with self._infer:  # a prediction under way finishes on the previous model
            self._model, self.cycle, self.checkpoint = model, cycle, checkpoint

    def locate(self, task):
        """``(sample id, None)`` of a task's pool image, or ``(None, why not)``."""
        data = task.get('data') if isinstance(task, dict) else None
        if not isinstance(data, dict):
            return None, 'the task has no data'
        sample_id = data.get('sample_id')
        if isinstance(sample_id, str) and sample_id in self._ids:
            return sample_id, None
        urls = [v for v in data.values() if isinstance(v, str)]
        if isinstance(data.get('image'), str):
            urls.insert(0, data['image'])
        for url in urls:
            path = self._relative_path(url)
            if path is not None and path in self._by_path:
                return self._by_path[path], None
        shown = urls[0] if urls else None
        return None, (f'no pool image has sample id {sample_id!r} or the image {shown!r} '
                      f'(looked under {self.document_root})')

    def _relative_path(self, url):
        parsed = urlparse(url)
        if parsed.path.endswith(LOCAL_FILES_PATH) or parsed.path == LOCAL_FILES_PATH.rstrip('/'):
            found = parse_qs(parsed.query).get('d')
            return unquote(found[0]).lstrip('/') if found else None
        if self.image_url != LOCAL_FILES and url.startswith(self.image_url.rstrip('/') + '/'):
            return unquote(url[len(self.image_url.rstrip('/')) + 1:])
        if parsed.scheme in ('', 'file') and parsed.path:
            path = unquote(parsed.path)
            if osp.isabs(path):
                return osp.relpath(path, self.document_root).replace(osp.sep, '/')
            return path.replace(osp.sep, '/')
        return None

    def _load_item(self, sample_id, index):
        try:
            return self.dataset[index]
        except Exception as err:  # noqa: BLE001  a file gone or unreadable: no prediction
            logger.warning(f'{sample_id}: empty prediction: its image cannot be read '
                           f'({type(err).__name__}: {err})')
            return None

    @torch.no_grad()
    def masks(self, sample_ids):
        """``{sample id: HxW uint8 class indices}`` of the images that could be read.

        Empty before a model is loaded.
        """
        with self._infer:
            model = self._model
            if model is None or not sample_ids:
                return {}
            items = [(s, self._load_item(s, i))
                     for s, i in zip(sample_ids, self.dataset.index_of(sample_ids))]
            items = [(s, item) for s, item in items if item is not None]
            found = {}
            for start in range(0, len(items), self.batch_size):
                chunk = items[start:start + self.batch_size]
                outputs = model.test_step(pseudo_collate([item for _, item in chunk]))
                for (sample_id, _), out in zip(chunk, outputs):
                    mask = out.pred_sem_seg.data[0].cpu().numpy()
                    found[sample_id] = np.where(mask < len(self.classes), mask,
                                                IGNORE_INDEX).astype(np.uint8)
            return found
