"""The ML backend protocol over HTTP on 127.0.0.1: health, setup, predict, webhooks, auth.

The work dir waits for the labels of a 3-image batch; the import at the end is the
real, validated one.
"""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import requests
from label_studio_converter.brush import decode_rle
from serve_helpers import (BATCH, CLASSES, HEIGHT, PROJECT, SCHEMA, SCORES, WIDTH,
                           FakeLabelStudio, annotation_event, annotation_of, make_live_loop,
                           make_waiting_work_dir, running_backend, task_of, truth, wait_until)

from mmseg_al.serve import LiveLoop


@pytest.fixture
def work_dir(tmp_path):
    return make_waiting_work_dir(str(tmp_path))


def state(work_dir):
    with open(osp.join(work_dir, 'al_state.json')) as f:
        return json.load(f)


def kept_files(work_dir):
    return sorted(glob.glob(osp.join(work_dir, 'cycle_0', 'to_label', 'label_studio_live',
                                     'annotations', '*.json')))


def test_health_and_setup(work_dir):
    live = make_live_loop(work_dir)
    with running_backend(live) as url:
        wait_until(lambda: live.phase == 'waiting_for_labels')
        health = requests.get(url + '/health', timeout=5).json()
        assert health['status'] == 'UP' and health['phase'] == 'waiting_for_labels'
        assert (health['cycle'], health['annotated'], health['batch_size']) == (0, 0, 3)
        assert requests.get(url + '/', timeout=5).json()['status'] == 'UP'
        answer = requests.post(url + '/setup', json=dict(
            project=f'{PROJECT}.1765100000', schema=SCHEMA, hostname='http://localhost:8080',
            access_token='not-used'), timeout=5)
        assert answer.status_code == 200
        assert answer.json() == dict(model_version='mmseg_al cycle 0')
        # The first project that connects is the one served, and it is remembered.
        assert json.load(open(osp.join(work_dir, 'live_loop.json')))['project'] == PROJECT
        other = requests.post(url + '/setup', json=dict(project='4.1765100001', schema=SCHEMA),
                              timeout=5)
        assert other.status_code == 409 and 'serves Label Studio project 3' in other.text
        no_brush = requests.post(url + '/setup', json=dict(
            project=f'{PROJECT}.1', schema='<View><Image name="image" value="$image"/></View>'),
            timeout=5)
        assert no_brush.status_code == 422 and 'BrushLabels' in no_brush.json()['error']
        for bad in (b'not json', b'[1, 2]', json.dumps(dict(project='x', schema=SCHEMA))):
            assert requests.post(url + '/setup', data=bad, timeout=5).status_code == 400
    assert make_live_loop(work_dir).project == PROJECT


def test_predict_returns_one_decodable_brush_prediction_per_task(work_dir):
    live = make_live_loop(work_dir)
    config = SCHEMA.replace('name="label"', 'name="brush"').replace('name="image"', 'name="img"')
    config = config.replace('toName="image"', 'toName="img"')
    tasks = [task_of('a/0007'), task_of('c/0000', task_id=50),
             dict(id=51, data=dict(image='/data/local-files/?d=elsewhere/x.jpg'))]
    with running_backend(live) as url:
        answer = requests.post(url + '/predict', json=dict(
            tasks=tasks, project=f'{PROJECT}.1', label_config=config,
            params=dict(login=None, password=None, context=None)), timeout=10)
    assert answer.status_code == 200
    results = answer.json()['results']
    assert len(results) == 3
    first, second, unknown = results
    assert first['model_version'] == 'mmseg_al cycle 0' and first['score'] == SCORES['a/0007']
    assert second['score'] == SCORES['c/0000']
    assert unknown == dict(model_version='mmseg_al cycle 0', score=0.0, result=[])
    painted = np.full((HEIGHT, WIDTH), 255, np.uint8)
    for item in first['result']:
        assert (item['from_name'], item['to_name'], item['type']) == ('brush', 'img',
                                                                     'brushlabels')
        assert (item['original_width'], item['original_height']) == (WIDTH, HEIGHT)
        assert item['image_rotation'] == 0 and item['value']['format'] == 'rle'
        alpha = np.asarray(decode_rle(item['value']['rle'])).reshape(HEIGHT, WIDTH, 4)[:, :, 3]
        painted[alpha > 128] = CLASSES.index(item['value']['brushlabels'][0])
    np.testing.assert_array_equal(painted, truth('a/0007'))
    assert len(first['result']) == len(np.unique(truth('a/0007')))


def test_predict_rejects_what_it_cannot_read(work_dir):
    with running_backend(make_live_loop(work_dir)) as url:
        for body in (dict(project='3.1'), dict(tasks='a/0001'), dict(tasks=[1, 2])):
            assert requests.post(url + '/predict', json=body, timeout=5).status_code == 400
        bad_config = requests.post(url + '/predict', json=dict(
            tasks=[task_of('a/0001')], label_config='<View'), timeout=5)
        assert bad_config.status_code == 422


def test_webhook_keeps_batch_annotations_and_imports_when_complete(work_dir):
    live = make_live_loop(work_dir)
    with running_backend(live) as url:
        def send(event):
            return requests.post(url + '/webhook', json=event, timeout=10)

        assert send(dict(action='PROJECT_UPDATED', project=dict(id=PROJECT))).json() == dict(
            status='Unknown event')
        first = send(annotation_event('a/0001', 1))
        assert first.status_code == 201 and first.json()['annotated'] == 1
        # An update replaces the image's annotation; a delete forgets it.
        assert send(annotation_event('a/0001', 2, action='ANNOTATION_UPDATED')).status_code == 201
        assert send(dict(action='ANNOTATIONS_DELETED', project=dict(id=PROJECT),
                         annotations=[dict(id=2)])).json()['dropped'] == ['a/0001']
        assert kept_files(work_dir) == []
        assert send(annotation_event('a/0001', 3)).status_code == 201
        assert send(annotation_event('b/0003', 4)).status_code == 201
        assert live.worker.starts == 0 and 'waiting_for_labels' in state(work_dir)['cycles']['0']
        assert send(annotation_event('a/0007', 5)).status_code == 201
        assert wait_until(lambda: live.worker.starts == 1)
    entry = state(work_dir)['cycles']['0']
    assert 'waiting_for_labels' not in entry
    assert entry['labels_imported']['ids'] == BATCH
    assert entry['labels_imported']['not_returned'] == []
    root = osp.dirname(work_dir)
    for sample_id in BATCH:
        np.testing.assert_array_equal(
            cv2.imread(osp.join(root, 'labels', sample_id + '.png'), cv2.IMREAD_UNCHANGED),
            truth(sample_id))


def test_foreign_and_malformed_webhooks_change_nothing(work_dir):
    live = make_live_loop(work_dir, project=PROJECT)
    with running_backend(live) as url:
        def send(body, **kwargs):
            return requests.post(url + '/webhook', timeout=10, **kwargs,
                                 **({} if 'data' in kwargs else dict(json=body)))

        before = state(work_dir)
        other_project = send(annotation_event('a/0001', 1, project=PROJECT + 1))
        assert other_project.status_code == 200 and other_project.json()['status'] == 'ignored'
        outside = annotation_event('a/0001', 2)
        outside['task'] = task_of('c/0000', task_id=60)
        assert send(outside).json()['status'] == 'ignored'
        earlier_cycle = annotation_event('a/0001', 3)
        earlier_cycle['task']['data']['al_cycle'] = 1
        assert send(earlier_cycle).json()['status'] == 'ignored'
        for bad in (dict(project=dict(id=PROJECT)),  # no action
                    dict(action='ANNOTATION_CREATED', project='nope'),
                    dict(action='ANNOTATION_CREATED', project=dict(id=PROJECT)),
                    dict(annotation_event('a/0001', 4), annotation=dict(result='x')),
                    dict(annotation_event('a/0001', 4), task=dict(id=1)),
                    dict(action='ANNOTATIONS_DELETED', project=dict(id=PROJECT))):
            assert send(bad).status_code == 400, bad
        assert send(None, data=b'{"action": ').status_code == 400
        wrong_size = annotation_event('a/0001', 5, mask=np.zeros((HEIGHT + 1, WIDTH), np.uint8))
        answer = send(wrong_size)
        assert answer.status_code == 422 and 'the image 6x8' in answer.json()['error']
        broken = annotation_event('a/0001', 6)
        broken['annotation']['result'][0]['value']['rle'] = [1, 2, 3]
        assert send(broken).status_code == 422
        unknown_class = annotation_event('a/0001', 7)
        unknown_class['annotation']['result'][0]['value']['brushlabels'] = ['seven']
        assert send(unknown_class).status_code == 422
        assert send(dict(action='START_TRAINING', project=dict(id=PROJECT))).json()[
            'result'] == 'no image of the batch is annotated yet'
    assert kept_files(work_dir) == [] and state(work_dir) == before
    assert live.worker.starts == 0


def test_start_training_imports_what_came_back(work_dir):
    live = make_live_loop(work_dir)
    with running_backend(live) as url:
        assert requests.post(url + '/webhook', json=annotation_event('b/0003', 1),
                             timeout=10).status_code == 201
        answer = requests.post(url + '/webhook', timeout=10, json=dict(
            action='START_TRAINING', project=dict(id=PROJECT, label_config=SCHEMA)))
        assert answer.status_code == 201
        assert 'importing the annotated images (1 so far of 3)' in answer.json()['result']
        assert wait_until(lambda: live.worker.starts == 1)
        assert requests.get(url + '/health', timeout=5).json()['message'] == 'cycle 1: training'
    imported = state(work_dir)['cycles']['0']['labels_imported']
    assert imported['ids'] == ['b/0003'] and imported['not_returned'] == ['a/0001', 'a/0007']


def test_basic_auth_and_body_limit(work_dir):
    live = make_live_loop(work_dir)
    with running_backend(live, basic_auth=('annotator', 's3cret'), max_body=4096) as url:
        assert requests.get(url + '/health', timeout=5).status_code == 401
        assert requests.get(url + '/health', auth=('annotator', 'wrong'),
                            timeout=5).status_code == 401
        answer = requests.get(url + '/health', auth=('annotator', 's3cret'), timeout=5)
        assert answer.status_code == 200 and answer.json()['status'] == 'UP'
        assert requests.post(url + '/webhook', json=annotation_event('a/0001', 1),
                             timeout=5).status_code == 401
        too_large = requests.post(url + '/webhook', auth=('annotator', 's3cret'), timeout=5,
                                  json=dict(action='PROJECT_UPDATED', padding='x' * 8192))
        assert too_large.status_code == 413
    assert kept_files(work_dir) == []


def test_batch_is_pushed_once_and_missed_annotations_are_caught_up(work_dir):
    with open(osp.join(work_dir, 'cycle_0', 'to_label', 'label_studio', 'tasks.json')) as f:
        exported = json.load(f)
    # A push cut short: one task of the batch made it into the project, and was annotated
    # while no backend listened.
    first = dict(id=7, data=exported[0]['data'], annotations=[
        annotation_event(BATCH[0], 1)['annotation']])
    studio = FakeLabelStudio([first])
    live = make_live_loop(work_dir, api=studio, project=PROJECT)
    with running_backend(live):
        assert wait_until(lambda: ('export', PROJECT) in studio.calls)
    assert ('import', PROJECT, 2) in studio.calls
    assert sorted(t['data']['sample_id'] for t in studio.tasks) == sorted(BATCH)
    assert all('predictions' not in t for t in studio.tasks)
    assert [osp.basename(p) for p in kept_files(work_dir)] == ['a%2F0001.json']
    # Restarted, the backend adds nothing twice.
    again = make_live_loop(work_dir, api=studio)
    with running_backend(again):
        assert wait_until(lambda: again.phase == 'waiting_for_labels')
    assert [c for c in studio.calls if c[0] == 'import'] == [('import', PROJECT, 2)]


def test_live_loop_starts_the_driver_when_nothing_waits(tmp_path):
    live = LiveLoop(str(tmp_path / 'new'), 2, CLASSES, make_live_loop(str(tmp_path)).predictor,
                    make_live_loop(str(tmp_path)).worker)
    with running_backend(live) as url:
        assert wait_until(lambda: live.worker.starts == 1)
        assert requests.get(url + '/health', timeout=5).json()['phase'] == 'training'


def test_a_restart_imports_what_the_killed_backend_kept_and_nothing_twice(work_dir):
    killed = make_live_loop(work_dir)
    batch = killed.waiting_batch()
    for n, sample_id in enumerate(BATCH[:2]):
        batch.keep(task_of(sample_id), annotation_of(sample_id, n + 1))
    batch.request_import()  # START_TRAINING was answered, then the backend was killed
    restarted = make_live_loop(work_dir)
    with running_backend(restarted):
        assert wait_until(lambda: restarted.worker.starts == 1)
    imported = state(work_dir)
    assert imported['cycles']['0']['labels_imported']['ids'] == BATCH[:2]
    again = make_live_loop(work_dir)
    with running_backend(again):
        assert wait_until(lambda: again.worker.starts == 1)  # the cycle, not the import
    assert state(work_dir) == imported
