"""Is the data of an experiment on disk? One clear error if not, before anything is built."""
import os.path as osp

from mmengine import dist

from mmseg_al.datasets.digit_scenes import prepare_digit_scenes


class DatasetNotPreparedError(FileNotFoundError):
    """A dataset an experiment needs is missing on disk."""


# README sections that say how to get and prepare each dataset.
README_SECTIONS = {
    'DigitScenesDataset': 'Datasets > Digit scenes',
}
_DEFAULT_SECTION = 'Datasets'


def _dataset_paths(dataset_cfg):
    """The files and folders an MMSeg dataset config reads: (what, path) pairs."""
    root = dataset_cfg.get('data_root') or ''
    paths = [('data root', root)] if root else []
    for key, folder in (dataset_cfg.get('data_prefix') or {}).items():
        paths.append((f'{key} folder', osp.join(root, folder)))
    if dataset_cfg.get('ann_file'):
        paths.append(('split / pool file', osp.join(root, dataset_cfg['ann_file'])))
    return paths


def check_dataset_prepared(dataset_cfg):
    """Raise :class:`DatasetNotPreparedError` naming the first missing path and the README section."""
    for what, path in _dataset_paths(dataset_cfg):
        if not osp.exists(path):
            section = README_SECTIONS.get(dataset_cfg.get('type'), _DEFAULT_SECTION)
            raise DatasetNotPreparedError(
                f"{dataset_cfg.get('type')}: the {what} {path} does not exist. Prepare the "
                f'dataset as README section "{section}" says, or point data_root at it '
                f"(--cfg-options train_dataloader.dataset.data_root=...).")


def prepare_or_check(cfg):
    """Generate the embedded digit scenes on first use; check every other dataset."""
    datasets = [cfg.train_dataloader.dataset, cfg.val_dataloader.dataset]
    if any(d.get('type') == 'DigitScenesDataset' for d in datasets):
        if dist.get_rank() == 0:
            for root in {d['data_root'] for d in datasets if d.get('type') == 'DigitScenesDataset'}:
                prepare_digit_scenes(root)
        dist.barrier()
    for dataset_cfg in datasets:
        check_dataset_prepared(dataset_cfg)
