"""The live loop against a real Label Studio 1.23 on 127.0.0.1: three batches labeled, no file.

Label Studio (installed once, see ``_label_studio.py``) and tools/al_serve.py run
as servers on loopback, each stopped by its pid. The backend trains cycle 0;
the test creates a project with the labeling config the backend wrote and
connects the backend through Label Studio's ML API; the backend adds the batch
to the project; Label Studio asks it for predictions; annotations made from the
digit-scene ground truth are submitted through Label Studio's API and reach the
backend by webhook, which imports them and trains the next cycle. The backend
is killed while it trains cycle 1 and restarted: the run ends as an
uninterrupted one (run with tools/al_train.py from a copy of the work dir taken
at the kill) does.
"""
import contextlib
import glob
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import requests
from _label_studio import (free_port, label_studio_server, label_studio_venv,
                           personal_access_token)
from _own_images import make_own_images, tiny_options
from label_studio_converter.brush import decode_rle

from mmseg_al.annotation import brush_results
from mmseg_al.engine.lock import WorkDirLock

pytestmark = pytest.mark.slow
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# Label Studio refuses to call an ML backend or a webhook on a local address by default.
LOOPBACK_BACKEND = dict(ML_BLOCK_LOCAL_IP='false', SSRF_PROTECTION_ENABLED='false')
# 60 iterations (seconds) with a checkpoint every 2 leave time to kill the backend
# mid-training; one dataloader worker makes a resumed run exact (see IterSeedHook).
OPTIONS = [*tiny_options(), 'train_cfg.max_iters=60', 'train_dataloader.num_workers=1',
           'active_learning.num_cycles=3']


def wait_for(condition, timeout, what, poll=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f'timed out waiting for {what}'
        time.sleep(poll)


@contextlib.contextmanager
def backend(argv, env, log_path):
    """tools/al_serve.py as a server; stopped by its pid (SIGTERM) unless killed before."""
    log = open(log_path, 'ab')
    server = subprocess.Popen([sys.executable, osp.join(REPO_ROOT, 'tools', 'al_serve.py'),
                               *argv], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()


def health(url):
    try:
        return requests.get(url + '/health', timeout=5).json()
    except requests.RequestException:
        return {}


def state(work_dir):
    with open(osp.join(work_dir, 'al_state.json')) as f:
        return json.load(f)


class LabelStudio:
    """The calls a person's browser makes, through the API with a personal access token."""

    def __init__(self, url, token):
        self.url, self.session = url, requests.Session()
        access = requests.post(url + '/api/token/refresh/', json=dict(refresh=token)).json()
        self.session.headers['Authorization'] = 'Bearer ' + access['access']

    def __call__(self, method, path, **kwargs):
        response = self.session.request(method, self.url + path, timeout=120, **kwargs)
        assert response.status_code in (200, 201), f'{path}: {response.text[:500]}'
        return response.json() if response.content else None

    def tasks(self, project, cycle):
        tasks = self('GET', '/api/tasks/', params=dict(project=project, page_size=1000))['tasks']
        return [t for t in tasks if t['data'].get('al_cycle') == cycle]


def label_batch(studio, project, cycle, ground_truth, classes, scores, leave_out=0):
    """Ask Label Studio for the batch's predictions, check them, annotate the batch."""
    tasks = studio.tasks(project, cycle)
    studio('POST', '/api/dm/actions', params=dict(id='retrieve_tasks_predictions',
                                                  project=project),
           json=dict(selectedItems=dict(all=False, included=[t['id'] for t in tasks])))
    for task in tasks[:len(tasks) - leave_out]:
        sample_id = task['data']['sample_id']
        predictions = studio('GET', '/api/predictions/', params=dict(task=task['id']))
        assert [p['model_version'] for p in predictions] == [f'mmseg_al cycle {cycle}']
        assert predictions[0]['score'] == pytest.approx(scores[sample_id])
        height, width = ground_truth[sample_id].shape
        for item in predictions[0]['result']:
            assert (item['original_height'], item['original_width']) == (height, width)
            assert len(decode_rle(item['value']['rle'])) == height * width * 4
        result = [dict(r, origin='manual') for r in brush_results(ground_truth[sample_id],
                                                                  classes)]
        studio('POST', f'/api/tasks/{task["id"]}/annotations/', json=dict(
            result=result, was_cancelled=False, ground_truth=False, lead_time=4.2,
            parent_prediction=predictions[0]['id'], project=project))
    return [t['data']['sample_id'] for t in tasks]


def batch_of(work_dir, cycle):
    with open(osp.join(work_dir, f'cycle_{cycle}', 'selection.json')) as f:
        selection = json.load(f)
    return selection['ids'], selection['scores']


def test_live_loop_labels_three_batches_and_survives_a_kill(tiny_scenes, tmp_path):
    venv = label_studio_venv()
    config, ground_truth = make_own_images(str(tmp_path / 'own'), tiny_scenes)
    labels = tmp_path / 'own' / 'labels'
    work_dir = str(tmp_path / 'work')
    port = free_port()
    backend_url = f'http://127.0.0.1:{port}'
    argv = [config, '--work-dir', work_dir, '--port', str(port), '--cfg-options', *OPTIONS]
    data_dir = tmp_path / 'label_studio'
    data_dir.mkdir()
    log_path = str(tmp_path / 'backend.log')
    with label_studio_server(venv, str(data_dir), str(tmp_path / 'own'),
                             **LOOPBACK_BACKEND) as url:
        token = personal_access_token(url)
        env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
        env.update(PYTHONPATH=REPO_ROOT, LABEL_STUDIO_URL=url, LABEL_STUDIO_API_KEY=token)
        studio = LabelStudio(url, token)
        started = time.monotonic()
        with backend(argv, env, log_path) as server:
            wait_for(lambda: health(backend_url).get('phase') == 'waiting_for_labels', 600,
                     'cycle 0')
            print(f'cycle 0 trained and acquired after {time.monotonic() - started:.0f} s')
            with open(osp.join(work_dir, 'label_studio_labeling_config.xml')) as f:
                project = studio('POST', '/api/projects/', json=dict(
                    title='mmseg_al live', label_config=f.read()))['id']
            studio('POST', '/api/storages/localfiles/', json=dict(
                project=project, title='images', path=str(tmp_path / 'own' / 'images'),
                use_blob_urls=False))
            connected = studio('POST', '/api/ml/', json=dict(
                url=backend_url, project=project, title='mmseg_al', is_interactive=False))
            assert connected['readable_state'] == 'Connected', connected
            assert connected['model_version'] == 'mmseg_al cycle 0'
            # The backend adds the batch to the project as tasks.
            ids, scores = batch_of(work_dir, 0)
            wait_for(lambda: len(studio.tasks(project, 0)) == 6, 60, 'the batch of cycle 0')
            assert sorted(label_batch(studio, project, 0, ground_truth, batch_classes(work_dir),
                                      scores)) == sorted(ids)
            # The last annotation completes the batch: imported, then cycle 1 trains.
            wait_for(lambda: 'labels_imported' in state(work_dir)['cycles']['0'], 60,
                     'the import')
            for sample_id in ids:
                np.testing.assert_array_equal(cv2.imread(str(labels / (sample_id + '.png')),
                                                         cv2.IMREAD_UNCHANGED),
                                              ground_truth[sample_id])
            assert state(work_dir)['cycles']['0']['labels_imported']['format'] == 'label-studio'
            # Killed mid-training, the backend's worker ends with it and lets go of the lock.
            # Only the newest checkpoint is kept, so any one shows training under way.
            wait_for(lambda: glob.glob(osp.join(work_dir, 'cycle_1', 'iter_*.pth')), 300,
                     'cycle 1 to train', poll=0.02)
            server.kill()
            server.wait()
        WorkDirLock(work_dir, 'the test').acquire(timeout=30).release()
        assert 'train' not in state(work_dir)['cycles'].get('1', {}).get('done', [])
        reference = str(tmp_path / 'reference')
        shutil.copytree(work_dir, reference, ignore=shutil.ignore_patterns('cycle_1'))

        with backend(argv, env, log_path):
            # Restarted, it resumes cycle 1 and adds the next batch to the project.
            wait_for(lambda: health(backend_url).get('cycle') == 1, 600, 'cycle 1')
            ids, scores = batch_of(work_dir, 1)
            wait_for(lambda: len(studio.tasks(project, 1)) == 6, 60, 'the batch of cycle 1')
            assert len(studio.tasks(project, 0)) == 6  # nothing added twice
            label_batch(studio, project, 1, ground_truth, batch_classes(work_dir), scores)
            wait_for(lambda: health(backend_url).get('cycle') == 2, 600, 'cycle 2')
            # "Start Training" with one image left: what came back is imported.
            ids, scores = batch_of(work_dir, 2)
            wait_for(lambda: len(studio.tasks(project, 2)) == 6, 60, 'the batch of cycle 2')
            label_batch(studio, project, 2, ground_truth, batch_classes(work_dir), scores,
                        leave_out=1)
            studio('POST', f'/api/ml/{connected["id"]}/train', json={})
            wait_for(lambda: health(backend_url).get('phase') == 'done', 600, 'the last cycle')
    print(f'three batches labeled after {time.monotonic() - started:.0f} s')

    results = json.load(open(osp.join(work_dir, 'results.json')))
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12, 18, 23]
    assert state(work_dir)['cycles']['2']['labels_imported']['not_returned'] != []
    # The run the kill interrupted ends as the uninterrupted one.
    subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'al_train.py'), config,
                    '--work-dir', reference, '--cfg-options', *OPTIONS], check=True,
                   env={k: v for k, v in env.items() if not k.startswith('LABEL_STUDIO')},
                   stdout=subprocess.DEVNULL)
    uninterrupted = json.load(open(osp.join(reference, 'results.json')))
    assert results['cycles'][:2] == uninterrupted['cycles']
    assert batch_of(work_dir, 1) == batch_of(reference, 1)
    # The token never reaches a log.
    for path in (log_path, osp.join(work_dir, 'serve.log'),
                 osp.join(work_dir, 'serve_worker.log')):
        assert token not in open(path).read()


def batch_classes(work_dir):
    """The classes of the exported batches."""
    with open(osp.join(work_dir, 'cycle_0', 'to_label', 'batch.json')) as f:
        return json.load(f)['classes']
