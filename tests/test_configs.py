"""Every config in configs/ loads, and its datasets and model build on tiny data."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmseg_al.datasets.manifest import MANIFEST_FILE, FrameInfo, SequenceManifest, write_manifest
from mmseg_al.datasets.preparation import (check_dataset_prepared, dataset_files,
                                           leaf_dataset_cfgs)
from mmseg_al.datasets.ssl_dataloader import apply_ssl
from mmseg_al.engine.cycle_schedule import check_stretchable
from mmseg_al.registry import DATASETS, MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(osp.relpath(p, REPO_ROOT)
                 for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True))
LEAF_CONFIGS = [p for p in CONFIGS if p.startswith(osp.join('configs', 'al', ''))]
# A2D2-style ids in two camera streams, so manifest-based code sees real sequences.
SAMPLE_IDS = [f'20181108_084007/camera/{cam}/20181108084007_camera_{cam[4:].replace("_", "")}_'
              f'{n:09d}' for cam in ('cam_front_center', 'cam_side_left') for n in range(3)]


def _write_tiny_tree(files, rng):
    """Files of a tiny dataset wherever ``files`` (a DatasetFiles) says they live.

    Configs share one tree per dataset type; only what is missing is written.
    """
    if files.ann_file and not osp.isfile(files.ann_file):
        os.makedirs(osp.dirname(files.ann_file), exist_ok=True)
        with open(files.ann_file, 'w') as f:
            f.write(''.join(s + '\n' for s in SAMPLE_IDS))
    for sample_id in SAMPLE_IDS:
        outputs = [(osp.join(files.img_dir, sample_id + files.img_suffix),
                    lambda: rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))]
        if files.seg_dir is not None:
            outputs.append((osp.join(files.seg_dir, sample_id + files.seg_map_suffix),
                            lambda: rng.choice(np.array([0, 1, 255], np.uint8), size=(24, 32))))
        for path, make in outputs:
            if not osp.isfile(path):
                os.makedirs(osp.dirname(path), exist_ok=True)
                cv2.imwrite(path, make())
    if files.required_files and not osp.isfile(osp.join(files.data_root, MANIFEST_FILE)):
        write_manifest(SequenceManifest(
            FrameInfo(s, 'train', osp.dirname(s), i % 3) for i, s in enumerate(SAMPLE_IDS)),
            osp.join(files.data_root, MANIFEST_FILE))


def _dataloader_keys(cfg):
    return [key for key in cfg if key.endswith('_dataloader') and 'dataset' in cfg[key]]


def _num_classes_in(node):
    """Every ``num_classes`` set anywhere in a (model) config."""
    if isinstance(node, dict):
        found = [node['num_classes']] if 'num_classes' in node else []
        return found + [n for value in node.values() for n in _num_classes_in(value)]
    if isinstance(node, (list, tuple)):
        return [n for value in node for n in _num_classes_in(value)]
    return []


_BUILT_MODELS = set()


def _check_model_builds(model_cfg):
    """Build each distinct model config once: many experiments share one network, and
    keeping WRN-38s (105 M parameters each) alive would cost GBs."""
    key = model_cfg.pretty_text if hasattr(model_cfg, 'pretty_text') else repr(model_cfg)
    if key not in _BUILT_MODELS:
        model = MODELS.build(model_cfg)
        assert sum(p.numel() for p in model.parameters()) > 0
        _BUILT_MODELS.add(key)


def test_there_are_configs():
    assert any(p.startswith('configs/_base_/datasets/a2d2') for p in CONFIGS)


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return tmp_path_factory.mktemp('tiny_data')


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_its_datasets_and_model_on_tiny_data(path, tiny_data):
    cfg = Config.fromfile(osp.join(REPO_ROOT, path))
    rng = np.random.default_rng(0)
    classes = set()
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg_al')):
        for key in _dataloader_keys(cfg):
            dataset_cfg = cfg[key]['dataset']
            for leaf in leaf_dataset_cfgs(dataset_cfg):
                leaf['data_root'] = str(tiny_data / dataset_files(leaf).type_name)
                # Serialising the data list ends in a gc.collect() (0.2 s); pointless here.
                leaf['serialize_data'] = False
                _write_tiny_tree(dataset_files(leaf), rng)
            check_dataset_prepared(dataset_cfg)
            dataset = DATASETS.build(dataset_cfg)
            assert len(dataset) == len(SAMPLE_IDS)
            item = dataset[0]
            if key == 'train_dataloader':  # test pipelines keep labels at full size
                assert (item['data_samples'].gt_sem_seg.data.shape[-2:]
                        == item['inputs'].shape[-2:])
            classes.add(len(dataset.metainfo['classes']))
        if 'model' in cfg:
            if cfg.get('ssl') and 'train_cfg' in cfg:
                # As the driver does for each cycle: the pool's labeled view, then SSL.
                cfg.train_dataloader.dataset = dict(
                    type='ActiveDataset', dataset=cfg.train_dataloader.dataset, view='labeled')
                cfg = apply_ssl(cfg)
            if 'train_dataloader' in cfg:  # a runnable experiment, not a model base
                # The Runner gives a model without its own preprocessor the config's
                # top-level one (an SSL wrapper, for instance); mmseg's batching needs
                # exactly one of size (pad to the crop) and size_divisor.
                cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
                preprocessor = cfg.model.data_preprocessor
                assert (preprocessor.get('size') is None) != (
                    preprocessor.get('size_divisor') is None)
            _check_model_builds(cfg.model)
            # The head predicts the dataset's classes (VOC's 21 vs the driving sets' 19).
            assert set(_num_classes_in(cfg.model)) <= classes or not classes


@pytest.mark.parametrize('path', LEAF_CONFIGS)
def test_experiment_configs_are_short_inheritance(path):
    with open(osp.join(REPO_ROOT, path)) as f:
        lines = [line for line in f if line.strip()]
    assert lines[0].startswith('_base_') or lines[0].startswith('#')
    assert len(lines) <= 15


def test_s4gan_self_training_threshold_is_the_originals_per_dataset():
    # s4GAN's authors use 0.7 on Cityscapes and 0.6 elsewhere (see s4gan_cityscapes.py).
    s4gan = [p for p in LEAF_CONFIGS if '_ssl_' in p and 'u2pl' not in p]
    assert any('cityscapes' in p for p in s4gan) and any('cityscapes' not in p for p in s4gan)
    for path in s4gan:
        cfg = Config.fromfile(osp.join(REPO_ROOT, path))
        expected = 0.7 if 'cityscapes' in path else 0.6
        assert cfg.ssl.model.semi_train_cfg.st_threshold == expected, path


STUDY_CONFIGS = [p for p in LEAF_CONFIGS
                 if any(name in osp.basename(p) for name in ('a2d2', 'cityscapes', 'voc'))]


@pytest.mark.parametrize('path', STUDY_CONFIGS)
def test_study_configs_train_each_cycle_as_the_authors_did(path):
    # docs/configs.md, "How long a cycle trains": 100 epochs of the labeled images per
    # cycle at batch 8, the backbone back to its ImageNet weights every cycle; SGD lr 1e-3,
    # 10x on the head, poly decay 0.9 stretched over the cycle.
    cfg = Config.fromfile(osp.join(REPO_ROOT, path))
    assert cfg.active_learning.epochs_per_cycle == 100
    assert cfg.active_learning.training == 'reset_backbone'
    assert cfg.train_dataloader.batch_size == 8
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum, optimizer.weight_decay) == (
        'SGD', 1e-3, 0.9, 5e-4)
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.decode_head.lr_mult == 10.0
    [poly] = cfg.param_scheduler
    assert (poly.type, poly.power, poly.end) == ('PolyLR', 0.9, cfg.train_cfg.max_iters)
    check_stretchable(cfg)
