"""The human oracle: after acquiring, a cycle exports its batch for annotators and stops."""
import json
import os.path as osp

import numpy as np
import pytest
from _own_images import NUM_LABELED, snapshot, start, state

from mmseg_al.annotation import (read_index_masks, read_label_studio_export,
                                 read_segmentation_mask)
from mmseg_al.oracle import DatasetOracle, build_oracle

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def waiting(al_train, tiny_scenes, tmp_path_factory):
    return start(al_train, tmp_path_factory.mktemp('waiting'), tiny_scenes)


def test_cycle_exports_the_batch_and_stops(waiting, capsys):
    work_dir, ids = waiting['work_dir'], waiting['ids']
    to_label = osp.join(work_dir, 'cycle_0', 'to_label')
    selection = json.load(open(osp.join(work_dir, 'cycle_0', 'selection.json')))
    assert ids == selection['ids'] and len(ids) == 6
    # The initial set is the images that had masks; the batch is not labeled yet.
    assert len(state(waiting)['labeled']) == NUM_LABELED
    assert state(waiting)['cycles']['0']['waiting_for_labels'] == dict(
        images=6, to_label='cycle_0/to_label')
    assert 'acquire' not in state(waiting)['cycles']['0']['done']
    rows = open(osp.join(to_label, 'batch.csv')).read().splitlines()
    assert rows[0] == 'rank,sample_id,image,score'
    assert [r.split(',')[1] for r in rows[1:]] == ids
    assert rows[1].split(',')[2] == osp.join(waiting['root'], 'own', 'images', ids[0] + '.jpg')
    # The predictions, as index PNGs, as Label Studio pre-annotations and for CVAT.
    predictions = {m.name: m.mask for m in read_index_masks(osp.join(to_label, 'predictions'))}
    assert set(predictions) == set(ids)
    assert all(p.shape == (32, 64) for p in predictions.values())
    tasks = json.load(open(osp.join(to_label, 'label_studio', 'tasks.json')))
    assert [t['data']['sample_id'] for t in tasks] == ids
    assert tasks[0]['data']['image'] == f'/data/local-files/?d=images/{ids[0]}.jpg'
    as_annotations = [dict(t, annotations=[dict(result=t['predictions'][0]['result'])])
                      for t in tasks]
    path = osp.join(waiting['root'], 'predictions_as_annotations.json')
    json.dump(as_annotations, open(path, 'w'))
    for m in read_label_studio_export(path, waiting['batch']['classes']):
        np.testing.assert_array_equal(m.mask, predictions[m.name])
    cvat = read_segmentation_mask(
        osp.join(to_label, 'cvat', 'predictions_segmentation_mask_1.1.zip'),
        waiting['batch']['classes'])
    for m in cvat:
        np.testing.assert_array_equal(m.mask, predictions[m.name])
    assert open(osp.join(to_label, 'cvat', 'images.txt')).read().split() == [
        r.split(',')[2] for r in rows[1:]]


def test_rerun_before_import_says_the_same_and_changes_nothing(al_train, waiting, capsys):
    before = snapshot(waiting['work_dir'], waiting['labels'])
    capsys.readouterr()
    al_train(waiting['argv'])
    out = capsys.readouterr().out
    assert '6 images wait for labels' in out
    assert f'python tools/al_import.py {waiting["work_dir"]} SOURCE' in out
    assert snapshot(waiting['work_dir'], waiting['labels']) == before


def test_oracle_names():
    assert isinstance(build_oracle('dataset'), DatasetOracle)
    with pytest.raises(ValueError, match="Unknown active_learning.oracle 'people'"):
        build_oracle(dict(type='people'))
