"""Labeled / unlabeled views over any MMSeg dataset, addressed by stable sample ids.

Two index spaces exist and are never mixed: a *sample id* (string, the image path
relative to the image folder without suffix, i.e. an MMSeg split-file line) in
files and state, and a *dataset index* inside a dataset. :meth:`ActiveDataset.index_of`
is the one conversion between them.
"""
import copy
import os.path as osp

from mmengine.dataset import BaseDataset

from mmseg_al.fileio import read_json
from mmseg_al.registry import DATASETS

VIEWS = ('labeled', 'unlabeled', 'all')
# Data-info keys that give a pipeline access to ground truth.
_LABEL_KEYS = ('seg_map_path', )


def sample_id_of(data_info, img_prefix, img_suffix):
    """The sample id of an MMSeg data info: its image path relative to ``img_prefix``."""
    relative = osp.relpath(data_info['img_path'], img_prefix)
    return relative[:-len(img_suffix)] if img_suffix and relative.endswith(img_suffix) else relative


@DATASETS.register_module()
class ActiveDataset:
    """One view (labeled, unlabeled or all) of a pool dataset.

    The pool is any MMSeg dataset (usually one whose ``ann_file`` is a pool file).
    Which ids are labeled, and in which cycle, is this object's state; it
    round-trips through :meth:`state_dict` / :meth:`load_state_dict` and is stored
    in the experiment's ``al_state.json``. As a dataset it serves the items of its
    view, so a Runner can train on ``view='labeled'`` directly.

    Args:
        dataset (dict | BaseDataset): the pool dataset or its config.
        labeled (dict[str, int], optional): sample id -> cycle in which it was labeled.
        state_file (str, optional): a JSON file with that mapping under ``labeled``
            (an experiment's ``al_state.json``); used instead of ``labeled``.
        cycle (int, optional): only ids labeled in cycles ``<= cycle`` count as
            labeled (the view of that cycle); None means all.
        view (str): 'labeled', 'unlabeled' or 'all'.
        with_labels (bool): if False, ground-truth paths are removed from every
            item, so no pipeline can read the labels (unlabeled data for SSL and
            acquisition).
    """

    def __init__(self, dataset, labeled=None, state_file=None, cycle=None, view='labeled',
                 with_labels=True):
        if view not in VIEWS:
            raise ValueError(f'ActiveDataset view must be one of {VIEWS}, got {view!r}.')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if not isinstance(self.dataset, BaseDataset):
            raise TypeError(f'ActiveDataset wraps an mmengine BaseDataset (any MMSeg dataset), '
                            f'got {type(self.dataset).__name__}.')
        self.dataset.full_init()
        self.view, self.cycle, self.with_labels = view, cycle, with_labels
        img_prefix = self.dataset.data_prefix.get('img_path', '')
        img_suffix = getattr(self.dataset, 'img_suffix', '')
        self.pool_ids = [
            sample_id_of(self.dataset.get_data_info(i), img_prefix, img_suffix)
            for i in range(len(self.dataset))
        ]
        self._index = {sample_id: i for i, sample_id in enumerate(self.pool_ids)}
        if len(self._index) != len(self.pool_ids):
            raise ValueError('The pool dataset lists some images more than once; a pool is a set.')
        self.labeled_at = {}
        if state_file is not None:
            labeled = read_json(state_file, 'AL state')['labeled']
        if labeled:
            self.load_state_dict(dict(labeled=labeled))
        else:
            self._refresh_view()

    # -- the two index spaces -------------------------------------------------
    def index_of(self, sample_ids):
        """Dataset indices (into the pool dataset) of ``sample_ids``."""
        missing = [s for s in sample_ids if s not in self._index]
        if missing:
            raise KeyError(f'{len(missing)} sample ids are not in this pool, e.g. {missing[:3]}. '
                           'Was the pool file changed after the experiment started?')
        return [self._index[s] for s in sample_ids]

    # -- labeled / unlabeled --------------------------------------------------
    def _counts_as_labeled(self, sample_id):
        at = self.labeled_at.get(sample_id)
        return at is not None and (self.cycle is None or at <= self.cycle)

    @property
    def labeled_ids(self):
        """Labeled ids of this view's cycle, in pool order."""
        return [s for s in self.pool_ids if self._counts_as_labeled(s)]

    @property
    def unlabeled_ids(self):
        """Ids not yet labeled (as of this view's cycle), in pool order."""
        return [s for s in self.pool_ids if not self._counts_as_labeled(s)]

    def label(self, sample_ids, cycle):
        """Mark ``sample_ids`` as labeled in ``cycle``."""
        self.index_of(sample_ids)
        already = [s for s in sample_ids if s in self.labeled_at]
        if already:
            raise ValueError(f'{len(already)} ids are labeled already, e.g. {already[:3]}.')
        self.labeled_at.update((s, int(cycle)) for s in sample_ids)
        self._refresh_view()

    def _refresh_view(self):
        ids = dict(labeled=self.labeled_ids, unlabeled=self.unlabeled_ids,
                   all=self.pool_ids)[self.view]
        self.view_ids = ids
        self._view_indices = self.index_of(ids)

    # -- persistence ----------------------------------------------------------
    def state_dict(self):
        """Plain-JSON state: sample id -> cycle labeled, in pool order."""
        return dict(labeled={s: self.labeled_at[s] for s in self.pool_ids if s in self.labeled_at})

    def load_state_dict(self, state):
        labeled = state['labeled']
        self.index_of(list(labeled))
        self.labeled_at = {s: int(c) for s, c in labeled.items()}
        self._refresh_view()

    # -- dataset protocol -----------------------------------------------------
    @property
    def metainfo(self):
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self):
        """Nothing to do: the pool dataset is initialised on construction."""

    def __len__(self):
        return len(self._view_indices)

    def get_data_info(self, idx):
        """Data info of item ``idx`` of this view, with its ``sample_id``."""
        info = self.dataset.get_data_info(self._view_indices[idx])
        info['sample_id'] = self.view_ids[idx]
        if not self.with_labels:
            for key in _LABEL_KEYS:
                info.pop(key, None)
        return info

    def __getitem__(self, idx):
        return self.dataset.pipeline(self.get_data_info(idx))
