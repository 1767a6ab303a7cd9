"""One check, before anything is built, that a config's data is on disk.

Without it a missing dataset shows up as a stack trace from deep inside an MMSeg
loader, minutes into a run. :func:`check_dataset_prepared` runs through every
dataset of a config (wrappers included) and raises one
:class:`DatasetNotPreparedError` that names the path it looked at and the section
of ``docs/datasets.md`` (README "Datasets") that tells how to get and prepare it.
"""
import inspect
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Tuple

from mmengine import dist

from mmseg_al.datasets.digit_pretraining import (pretrained_backbones,
                                                 prepare_pretrained_backbones)
from mmseg_al.datasets.digit_scenes import prepare_digit_scenes, stale_tree_reason
from mmseg_al.datasets.manifest import MANIFEST_FILE
from mmseg_al.registry import DATASETS

GUIDE = 'docs/datasets.md'


class DatasetNotPreparedError(FileNotFoundError):
    """A dataset of the config is missing on disk or only partly prepared."""


# Dataset type -> (section of the guide, its anchor, the command that prepares it).
_GUIDES = {
    'A2D2Dataset': ('A2D2', 'a2d2', 'python tools/prepare_a2d2.py RAW_ROOT data/a2d2'),
    'CityscapesDataset': (
        'Cityscapes', 'cityscapes',
        'python tools/dataset_converters/cityscapes.py data/cityscapes  (MMSegmentation)'),
    'PascalVOCDataset': (
        'PASCAL-VOC aug', 'pascal-voc-aug',
        'python tools/dataset_converters/voc_aug.py data/VOCdevkit data/VOCdevkit/VOCaug  '
        '(MMSegmentation), then copy SegmentationClass/*.png into SegmentationClassAug/'),
    'DigitScenesDataset': ('Digit scenes', 'digit-scenes',
                           'python tools/make_digit_scenes.py data/digit_scenes'),
}
# Files a complete tree has beside its images, by dataset type.
_REQUIRED_FILES = {'A2D2Dataset': (MANIFEST_FILE, ), 'DigitScenesDataset': (MANIFEST_FILE, )}
# Wrappers whose children hold the data: ActiveDataset, RepeatDataset, ConcatDataset...
_CHILD_KEYS = ('dataset', 'datasets')


@dataclass(frozen=True)
class DatasetFiles:
    """Where one MMSeg dataset config reads its files, resolved as its class would."""
    type_name: str
    data_root: str
    img_dir: str
    seg_dir: Optional[str]
    ann_file: str  # '' when the dataset lists its image folder instead
    img_suffix: str
    seg_map_suffix: str
    required_files: Tuple[str, ...]


def leaf_dataset_cfgs(dataset_cfg):
    """The configs of the datasets that hold files, following wrapper children."""
    children = [dataset_cfg[key] for key in _CHILD_KEYS if key in dataset_cfg]
    if not children:
        return [dataset_cfg]
    leaves = []
    for child in children:
        for cfg in (child if isinstance(child, (list, tuple)) else [child]):
            if isinstance(cfg, dict):
                leaves += leaf_dataset_cfgs(cfg)
    return leaves


def dataset_files(dataset_cfg):
    """Resolve the paths and suffixes of a (leaf) dataset config.

    Read from the class's constructor defaults instead of building the dataset,
    because some MMSeg datasets assert on their files in ``__init__`` (PASCAL VOC),
    the very failure this module replaces with a readable one. Relative paths are
    joined to ``data_root`` as mmengine's ``BaseDataset`` does.
    """
    type_ = dataset_cfg['type']
    dataset_cls = DATASETS.get(type_) if isinstance(type_, str) else type_
    if dataset_cls is None:
        raise KeyError(f'Dataset type {type_!r} is not registered in mmseg_al or mmseg.')
    settings = {}
    for klass in reversed(dataset_cls.__mro__):
        if '__init__' in vars(klass):
            settings.update((name, p.default)
                            for name, p in inspect.signature(klass.__init__).parameters.items()
                            if p.default is not inspect.Parameter.empty)
    settings.update(dataset_cfg)
    data_root = settings.get('data_root') or ''

    def under_root(path):
        return path if not data_root or osp.isabs(path) else osp.join(data_root, path)

    prefix = settings.get('data_prefix') or {}
    return DatasetFiles(
        type_name=dataset_cls.__name__,
        data_root=data_root,
        img_dir=under_root(prefix.get('img_path', '')),
        seg_dir=under_root(prefix['seg_map_path']) if 'seg_map_path' in prefix else None,
        ann_file=under_root(settings['ann_file']) if settings.get('ann_file') else '',
        img_suffix=settings['img_suffix'],
        seg_map_suffix=settings['seg_map_suffix'],
        required_files=tuple(osp.join(data_root, name)
                             for name in _REQUIRED_FILES.get(dataset_cls.__name__, ())))


def check_dataset_prepared(dataset_cfg):
    """Raise :class:`DatasetNotPreparedError` unless every dataset of the config is on disk.

    Checks the data root, the image and label folders, the files a complete tree
    has (A2D2's ``manifest.csv``), the ``ann_file`` (split or pool file) and that
    every image and label it lists exists.

    Args:
        dataset_cfg (dict): a dataset config (e.g. ``cfg.train_dataloader.dataset``);
            wrappers with ``dataset``/``datasets`` children are followed.
    """
    for leaf in leaf_dataset_cfgs(dataset_cfg):
        _check_files(dataset_files(leaf))


def prepare_or_check(cfg):
    """Generate the embedded digit scenes where missing; check every dataset of ``cfg``.

    Covers the dataset of every ``*_dataloader`` of the experiment config (the pool,
    validation and test sets). Digit scenes (and their pools) are generated on rank
    0 when a split or pool file they need is missing, and so are the pretrained digit
    backbone weights a model's ``init_cfg`` names under ``<digit root>/pretrained/``
    (:mod:`mmseg_al.datasets.digit_pretraining`).
    """
    loaders = [key for key in cfg if key.endswith('_dataloader') and 'dataset' in cfg[key]]
    leaves = [leaf for key in loaders for leaf in leaf_dataset_cfgs(cfg[key]['dataset'])]
    digit_files = [files for files in map(dataset_files, leaves)
                   if files.type_name == 'DigitScenesDataset']
    for root in sorted({files.data_root for files in digit_files}):
        if reason := stale_tree_reason(root):
            raise DatasetNotPreparedError(reason)
    digit_roots = {files.data_root for files in digit_files if not osp.isfile(files.ann_file)}
    if digit_roots:
        if dist.get_rank() == 0:
            for root in sorted(digit_roots):
                prepare_digit_scenes(root)
        dist.barrier()
    all_digit_roots = sorted({files.data_root for files in digit_files})
    if pretrained_backbones(cfg.get('model') or {}, all_digit_roots):
        if dist.get_rank() == 0:
            prepare_pretrained_backbones(cfg.model, all_digit_roots)
        dist.barrier()
    # Under the human oracle the pool's masks appear as its images are labeled.
    oracle = cfg.get('active_learning', {}).get('oracle', 'dataset')
    pool_labels = (oracle.get('type') if isinstance(oracle, dict) else oracle) != 'human'
    for key in loaders:
        for leaf in leaf_dataset_cfgs(cfg[key]['dataset']):
            _check_files(dataset_files(leaf), labels=pool_labels or key != 'train_dataloader')


def _check_files(files, labels=True):

    def fail(problem):
        section, anchor, command = _GUIDES.get(files.type_name, ('Datasets', 'datasets', None))
        how = f' Prepare it with: {command}' if command else ''
        raise DatasetNotPreparedError(
            f'{files.type_name} is not prepared: {problem}.{how} See the README section '
            f'"Datasets" -> "{section}" ({GUIDE}#{anchor}), or point data_root at a prepared '
            'copy.')

    if files.data_root and not osp.isdir(files.data_root):
        fail(f'the data root {osp.abspath(files.data_root)} does not exist')
    for path in files.required_files:
        if not osp.isfile(path):
            fail(f'{osp.abspath(path)} is missing (preparation did not finish)')
    seg_dir = files.seg_dir if labels else None
    for folder in (files.img_dir, seg_dir):
        if folder is not None and not osp.isdir(folder):
            fail(f'the folder {osp.abspath(folder)} does not exist')
    if not files.ann_file:
        if not _has_file(files.img_dir, files.img_suffix):
            fail(f'no *{files.img_suffix} image under {osp.abspath(files.img_dir)}')
        return
    if not osp.isfile(files.ann_file):
        fail(f'the split/pool file {osp.abspath(files.ann_file)} does not exist')
    with open(files.ann_file) as f:
        sample_ids = [line.strip() for line in f if line.strip()]
    missing = [path for sample_id in sample_ids for path in (
        osp.join(files.img_dir, sample_id + files.img_suffix),
        None if seg_dir is None else osp.join(seg_dir, sample_id + files.seg_map_suffix))
        if path is not None and not osp.isfile(path)]
    if missing:
        fail(f'{len(missing)} files listed by {osp.abspath(files.ann_file)} are missing, '
             f'e.g. {osp.abspath(missing[0])}')


def _has_file(folder, suffix):
    for _, _, names in os.walk(folder):
        if any(name.endswith(suffix) for name in names):
            return True
    return False
