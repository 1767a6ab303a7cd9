"""Which pool image a Label Studio task shows, and the labeling config's brush names."""
import os.path as osp

import pytest
from mmengine.registry import init_default_scope

from mmseg_al.annotation import AnnotationError, labeling_config
from mmseg_al.serve import Predictor, brush_schema

CLASSES = ('background', 'car')


@pytest.fixture(scope='module')
def pool_root(tmp_path_factory):
    import cv2
    import numpy as np
    root = tmp_path_factory.mktemp('pool')
    for name in ('seq_a/0001', 'seq_a/0002', 'seq b/0001'):
        path = root / 'images' / f'{name}.jpg'
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.zeros((4, 6, 3), np.uint8))
    return str(root)


def predictor(root, **kwargs):
    init_default_scope('mmseg_al')
    pool = dict(type='BaseSegDataset', data_root=root, img_suffix='.jpg', seg_map_suffix='.png',
                data_prefix=dict(img_path='images', seg_map_path='labels'),
                metainfo=dict(classes=CLASSES, palette=[[0, 0, 0], [255, 0, 0]]),
                pipeline=[dict(type='LoadImageFromFile'), dict(type='PackSegInputs')])
    return Predictor(cfg=None, query_dataset=pool, **kwargs)


def test_tasks_are_found_by_sample_id_url_or_path(pool_root):
    found = predictor(pool_root)
    assert found.version == 'mmseg_al untrained' and found.masks(['seq_a/0001']) == {}
    assert found.locate(dict(data=dict(sample_id='seq_a/0002'))) == ('seq_a/0002', None)
    for image in ('/data/local-files/?d=images/seq_a/0001.jpg',
                  'http://127.0.0.1:8080/data/local-files/?d=images%2Fseq_a%2F0001.jpg',
                  osp.join(pool_root, 'images', 'seq_a', '0001.jpg'),
                  'images/seq_a/0001.jpg'):
        assert found.locate(dict(data=dict(image=image))) == ('seq_a/0001', None), image
    assert found.locate(dict(data=dict(image='/data/local-files/?d=images/seq%20b/0001.jpg'),
                             )) == ('seq b/0001', None)
    sample_id, why = found.locate(dict(id=5, data=dict(image='/data/local-files/?d=other.jpg')))
    assert sample_id is None and "'/data/local-files/?d=other.jpg'" in why
    assert found.locate(dict(id=6))[0] is None


def test_tasks_are_found_under_an_image_url_and_document_root(pool_root):
    found = predictor(pool_root, image_url='https://cdn.example/img/',
                      document_root=osp.join(pool_root, 'images'))
    assert found.locate(dict(data=dict(image='https://cdn.example/img/seq_a/0002.jpg'))) == (
        'seq_a/0002', None)
    assert found.locate(dict(data=dict(image='https://elsewhere/seq_a/0002.jpg')))[0] is None


def test_brush_schema():
    assert brush_schema(labeling_config(CLASSES, [[0, 0, 0], [255, 0, 0]])) == (
        'label', 'image', list(CLASSES))
    with pytest.raises(AnnotationError, match='no <BrushLabels'):
        brush_schema('<View><Image name="i" value="$image"/></View>')
    with pytest.raises(AnnotationError, match='not XML'):
        brush_schema('<View>')
