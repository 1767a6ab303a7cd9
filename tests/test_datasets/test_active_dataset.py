import json

import pytest
from mmengine.registry import init_default_scope

from mmseg_al.datasets import ActiveDataset


@pytest.fixture
def pool_cfg(tiny_scenes):
    init_default_scope('mmseg_al')
    return dict(type='DigitScenesDataset', data_root=tiny_scenes, ann_file='train.txt',
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                          dict(type='PackSegInputs')])


def test_ids_are_split_file_lines_and_index_round_trip(pool_cfg, tiny_scenes):
    pool = ActiveDataset(pool_cfg, view='all')
    with open(f'{tiny_scenes}/train.txt') as f:
        assert pool.pool_ids == f.read().split()
    ids = [pool.pool_ids[7], pool.pool_ids[3]]
    assert pool.index_of(ids) == [7, 3]
    with pytest.raises(KeyError, match='not in this pool'):
        pool.index_of(['nope'])


def test_views_partition_the_pool_by_cycle(pool_cfg):
    pool = ActiveDataset(pool_cfg, view='all')
    ids = pool.pool_ids
    pool.label(ids[:5], cycle=0)
    pool.label(ids[10:13], cycle=1)
    labeled_c0 = ActiveDataset(pool_cfg, labeled=pool.state_dict()['labeled'], cycle=0)
    labeled_c1 = ActiveDataset(pool_cfg, labeled=pool.state_dict()['labeled'], cycle=1)
    unlabeled_c1 = ActiveDataset(pool_cfg, labeled=pool.state_dict()['labeled'], cycle=1,
                                 view='unlabeled')
    assert labeled_c0.view_ids == ids[:5]
    assert labeled_c1.view_ids == ids[:5] + ids[10:13]
    assert set(unlabeled_c1.view_ids) == set(ids) - set(labeled_c1.view_ids)
    assert len(labeled_c1) == 8 and len(unlabeled_c1) == len(ids) - 8
    item = labeled_c1[6]
    assert item['data_samples'].img_path.endswith(ids[11] + '.png')
    with pytest.raises(ValueError, match='labeled already'):
        pool.label(ids[:1], cycle=2)


def test_unlabeled_view_without_labels_cannot_load_them(pool_cfg):
    pool = ActiveDataset(pool_cfg, labeled={}, view='unlabeled', with_labels=False)
    info = pool.get_data_info(0)
    assert 'seg_map_path' not in info and info['sample_id'] == pool.pool_ids[0]
    with pytest.raises(KeyError, match='seg_map_path'):
        pool[0]  # the pipeline has LoadAnnotations: without the path it must fail


def test_state_round_trips_through_json(pool_cfg, tmp_path):
    pool = ActiveDataset(pool_cfg, view='all')
    pool.label(pool.pool_ids[2:4], cycle=0)
    state_file = tmp_path / 'al_state.json'
    state_file.write_text(json.dumps(pool.state_dict()))
    restored = ActiveDataset(pool_cfg, state_file=str(state_file), view='labeled')
    assert restored.state_dict() == pool.state_dict()
    assert restored.view_ids == pool.pool_ids[2:4]


def test_state_with_foreign_ids_is_rejected(pool_cfg):
    with pytest.raises(KeyError, match='pool file changed'):
        ActiveDataset(pool_cfg, labeled={'not_in_pool': 0})
