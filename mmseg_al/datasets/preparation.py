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


def check_dataset_prepared(dataset_cfg):
    """Raise :class:`DatasetNotPreparedError` unless every dataset of the config is on disk.

    Checks the data root, the image and label folders, the files a complete tree
    has (A2D2's ``manifest.csv``), the ``ann_file`` (split or pool file) and that
    every image and label it lists exists.

    Args:
        dataset_cfg (dict): a dataset config (e.g. ``cfg.train_dataloader.dataset``);
            wrappers with ``dataset``/``datasets`` children are followed.
    """
    children = [dataset_cfg[key] for key in _CHILD_KEYS if key in dataset_cfg]
    if children:
        for child in children:
            for cfg in (child if isinstance(child, (list, tuple)) else [child]):
                if isinstance(cfg, dict):
                    check_dataset_prepared(cfg)
        return
    dataset_cls = _dataset_class(dataset_cfg['type'])
    type_name = dataset_cls.__name__
    settings = _with_defaults(dataset_cls, dataset_cfg)

    def fail(problem):
        section, anchor, command = _GUIDES.get(type_name, ('Datasets', 'datasets', None))
        how = f' Prepare it with: {command}' if command else ''
        raise DatasetNotPreparedError(
            f'{type_name} is not prepared: {problem}.{how} See README "Datasets" -> '
            f'"{section}" ({GUIDE}#{anchor}), or point data_root at a prepared copy.')

    data_root = settings.get('data_root') or ''
    if data_root and not osp.isdir(data_root):
        fail(f'the data root {osp.abspath(data_root)} does not exist')
    for name in _REQUIRED_FILES.get(type_name, ()):
        path = osp.join(data_root, name)
        if not osp.isfile(path):
            fail(f'{osp.abspath(path)} is missing (preparation did not finish)')
    prefix = settings.get('data_prefix') or {}
    img_dir = _under(data_root, prefix.get('img_path', ''))
    seg_dir = _under(data_root, prefix['seg_map_path']) if 'seg_map_path' in prefix else None
    for folder in (img_dir, seg_dir):
        if folder is not None and not osp.isdir(folder):
            fail(f'the folder {osp.abspath(folder)} does not exist')
    img_suffix, seg_map_suffix = settings['img_suffix'], settings['seg_map_suffix']
    if not settings.get('ann_file'):
        if not _has_file(img_dir, img_suffix):
            fail(f'no *{img_suffix} image under {osp.abspath(img_dir)}')
        return
    ann_file = _under(data_root, settings['ann_file'])
    if not osp.isfile(ann_file):
        fail(f'the split/pool file {osp.abspath(ann_file)} does not exist')
    with open(ann_file) as f:
        sample_ids = [line.strip() for line in f if line.strip()]
    missing = [path for sample_id in sample_ids for path in (
        osp.join(img_dir, sample_id + img_suffix),
        None if seg_dir is None else osp.join(seg_dir, sample_id + seg_map_suffix))
        if path is not None and not osp.isfile(path)]
    if missing:
        fail(f'{len(missing)} files listed by {osp.abspath(ann_file)} are missing, '
             f'e.g. {osp.abspath(missing[0])}')


def _dataset_class(type_):
    if not isinstance(type_, str):
        return type_
    dataset_cls = DATASETS.get(type_)
    if dataset_cls is None:
        raise KeyError(f'Dataset type {type_!r} is not registered in mmseg_al or mmseg.')
    return dataset_cls


def _with_defaults(dataset_cls, cfg):
    """The config's arguments over the constructor defaults of the dataset class.

    Read from the signatures instead of building the dataset, because some MMSeg
    datasets assert on their files in ``__init__`` (PASCAL VOC), which is the very
    failure this check replaces with a readable one.
    """
    settings = {}
    for klass in reversed(dataset_cls.__mro__):
        if '__init__' in vars(klass):
            settings.update((name, p.default)
                            for name, p in inspect.signature(klass.__init__).parameters.items()
                            if p.default is not inspect.Parameter.empty)
    settings.update(cfg)
    return settings


def _under(data_root, path):
    """``path`` joined to ``data_root`` unless absolute, as mmengine's BaseDataset does."""
    return path if not data_root or osp.isabs(path) else osp.join(data_root, path)


def _has_file(folder, suffix):
    for _, _, names in os.walk(folder):
        if any(name.endswith(suffix) for name in names):
            return True
    return False
