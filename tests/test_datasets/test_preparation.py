import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_al.datasets.preparation import (DatasetNotPreparedError, check_dataset_prepared,
                                           prepare_or_check)

SAMPLE = '20181108_084007/camera/cam_front_center/20181108084007_camera_frontcenter_000000001'


def _touch(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    open(path, 'wb').close()


def _a2d2_cfg(root, ann_file='train.txt'):
    return dict(type='A2D2Dataset', data_root=str(root), ann_file=ann_file,
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                pipeline=[dict(type='LoadImageFromFile')])


@pytest.fixture
def a2d2_root(tmp_path):
    root = tmp_path / 'a2d2'
    for folder in ('img_dir', 'ann_dir'):
        _touch(str(root / folder / 'train' / (SAMPLE + '.png')))
    (root / 'train.txt').write_text(SAMPLE + '\n')
    (root / 'manifest.csv').write_text('sample_id,split,sequence,frame,source\n')
    return root


def test_prepared_tree_passes_also_through_wrappers(a2d2_root):
    check_dataset_prepared(_a2d2_cfg(a2d2_root))
    check_dataset_prepared(dict(type='ActiveDataset', dataset=_a2d2_cfg(a2d2_root)))
    check_dataset_prepared(dict(type='ConcatDataset', datasets=[_a2d2_cfg(a2d2_root)] * 2))


def test_missing_root_names_the_path_the_guide_and_the_command(tmp_path):
    cfg = dict(type='ActiveDataset', dataset=_a2d2_cfg(tmp_path / 'nowhere'))
    with pytest.raises(DatasetNotPreparedError) as error:
        check_dataset_prepared(cfg)
    message = str(error.value)
    assert f'data root {tmp_path / "nowhere"} does not exist' in message
    assert 'docs/datasets.md#a2d2' in message and 'README section "Datasets"' in message
    assert 'python tools/prepare_a2d2.py RAW_ROOT data/a2d2' in message
    assert isinstance(error.value, FileNotFoundError)


def test_unfinished_preparation_is_detected(a2d2_root):
    os.remove(a2d2_root / 'manifest.csv')
    with pytest.raises(DatasetNotPreparedError, match='manifest.csv is missing'):
        check_dataset_prepared(_a2d2_cfg(a2d2_root))


def test_missing_pool_file_is_named(a2d2_root):
    with pytest.raises(DatasetNotPreparedError,
                       match=r'split/pool file .*pools/pool21f\.txt does not exist'):
        check_dataset_prepared(_a2d2_cfg(a2d2_root, ann_file='pools/pool21f.txt'))


def test_missing_listed_files_are_counted(a2d2_root):
    other = SAMPLE[:-1] + '2'
    (a2d2_root / 'train.txt').write_text(f'{SAMPLE}\n{other}\n')
    _touch(str(a2d2_root / 'img_dir' / 'train' / (other + '.png')))
    with pytest.raises(DatasetNotPreparedError,
                       match=r'1 files listed by .*train\.txt are missing, e\.g\. .*ann_dir/train/'
                       + other):
        check_dataset_prepared(_a2d2_cfg(a2d2_root))


def test_cityscapes_without_split_file_needs_images(tmp_path):
    root = tmp_path / 'cityscapes'
    cfg = dict(type='CityscapesDataset', data_root=str(root),
               data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
    (root / 'gtFine' / 'train').mkdir(parents=True)
    (root / 'leftImg8bit' / 'train' / 'aachen').mkdir(parents=True)
    with pytest.raises(DatasetNotPreparedError,
                       match=r'no \*_leftImg8bit\.png image under .*leftImg8bit/train.*'
                       r'docs/datasets\.md#cityscapes'):
        check_dataset_prepared(cfg)
    _touch(str(root / 'leftImg8bit' / 'train' / 'aachen' / 'aachen_000000_000019_leftImg8bit.png'))
    check_dataset_prepared(cfg)


def test_voc_missing_aug_folder_points_to_the_voc_section(tmp_path):
    root = tmp_path / 'VOC2012'
    (root / 'JPEGImages').mkdir(parents=True)
    cfg = dict(type='PascalVOCDataset', data_root=str(root),
               ann_file='ImageSets/Segmentation/trainaug.txt',
               data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'))
    with pytest.raises(DatasetNotPreparedError,
                       match=r'folder .*SegmentationClassAug does not exist.*voc_aug\.py.*'
                       r'#pascal-voc-aug'):
        check_dataset_prepared(cfg)


def test_prepare_or_check_covers_every_dataloader(a2d2_root, tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=_a2d2_cfg(a2d2_root)),
                      val_dataloader=dict(dataset=_a2d2_cfg(a2d2_root)),
                      test_dataloader=dict(dataset=_a2d2_cfg(tmp_path / 'elsewhere'))))
    with pytest.raises(DatasetNotPreparedError, match='elsewhere does not exist'):
        prepare_or_check(cfg)
    cfg.test_dataloader.dataset.data_root = str(a2d2_root)
    prepare_or_check(cfg)


def test_human_oracle_pool_is_a_list_of_images_without_labels(tmp_path):
    """Under the human oracle only the pool may lack masks; validation still needs them."""
    root = tmp_path / 'mine'
    for name in ('a', 'b'):
        _touch(str(root / 'images' / f'{name}.jpg'))
    (root / 'pool.txt').write_text('a\nb\n')
    pool = dict(type='BaseSegDataset', data_root=str(root), ann_file='pool.txt',
                img_suffix='.jpg', data_prefix=dict(img_path='images', seg_map_path='labels'))
    val = dict(pool, ann_file='', data_prefix=dict(img_path='images', seg_map_path='labels'))
    cfg = Config(dict(train_dataloader=dict(dataset=pool),
                      active_learning=dict(oracle=dict(type='human', image_url='http://x/'))))
    prepare_or_check(cfg)
    cfg.active_learning.oracle = 'dataset'
    with pytest.raises(DatasetNotPreparedError, match='labels does not exist'):
        prepare_or_check(cfg)
    cfg.active_learning.oracle = 'human'
    cfg.val_dataloader = dict(dataset=val)
    with pytest.raises(DatasetNotPreparedError, match='labels does not exist'):
        prepare_or_check(cfg)
