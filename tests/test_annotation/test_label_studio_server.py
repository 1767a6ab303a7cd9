"""The Label Studio round trip against a real Label Studio server on 127.0.0.1.

Label Studio is installed once into its own virtual environment (its pins clash
with ours), cached in ``$MMSEG_AL_LABEL_STUDIO_VENV`` (default
``~/.cache/mmseg_al/label-studio-1.23``). The test exports a batch, creates a
project with the exported labeling config, imports the tasks, annotates every
task as the browser does (brush strokes painted from the ground truth), exports
the project as JSON, imports that with tools/al_import.py and trains the next
cycle.
"""
import contextlib
import json
import os
import os.path as osp
import shutil
import signal
import socket
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from _own_images import start, state

from mmseg_al.annotation import brush_results

pytestmark = pytest.mark.slow
LABEL_STUDIO = 'label-studio==1.23.2'
USER, PASSWORD = 'annotator@example.com', 'not-a-secret-42'
# The server must not call out: no error reports, analytics or version checks.
QUIET = dict(SENTRY_DSN='', FRONTEND_SENTRY_DSN='', COLLECT_ANALYTICS='false',
             LATEST_VERSION_CHECK='false')


def label_studio_venv():
    """The cached virtual environment with Label Studio, installed on first use."""
    cache = os.environ.get('XDG_CACHE_HOME') or osp.expanduser(osp.join('~', '.cache'))
    root = os.environ.get('MMSEG_AL_LABEL_STUDIO_VENV') or osp.join(
        cache, 'mmseg_al', 'label-studio-1.23')
    marker = osp.join(root, '.installed')
    if not (osp.isfile(marker) and open(marker).read() == LABEL_STUDIO):
        shutil.rmtree(root, ignore_errors=True)  # a half-finished install
        subprocess.run([sys.executable, '-m', 'venv', root], check=True)
        subprocess.run([osp.join(root, 'bin', 'python'), '-m', 'pip', 'install', '-q',
                        LABEL_STUDIO], check=True, timeout=3600)
        with open(marker, 'w') as f:
            f.write(LABEL_STUDIO)
    return root


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def label_studio_server(venv, data_dir, document_root):
    """Start Label Studio on 127.0.0.1 with a preset user; stop it by its pid."""
    import requests
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(QUIET, LABEL_STUDIO_USERNAME=USER, LABEL_STUDIO_PASSWORD=PASSWORD,
               LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED='true',
               LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=document_root,
               LABEL_STUDIO_BASE_DATA_DIR=data_dir)
    log = open(osp.join(data_dir, 'server.log'), 'w')
    server = subprocess.Popen(
        [osp.join(venv, 'bin', 'label-studio'), 'start', '--no-browser', '--host', '127.0.0.1',
         '-p', str(port), '--data-dir', data_dir], env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 600  # the first start migrates its database
        while True:
            assert server.poll() is None, open(log.name).read()[-3000:]
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(url + '/health', timeout=5).json().get('status') == 'UP':
                    break
            assert time.time() < deadline, 'Label Studio did not start'
            time.sleep(2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and its children
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def access_token(url):
    """Sign in as the browser does, make a personal access token, refresh it to a JWT."""
    import requests
    browser = requests.Session()
    browser.get(url + '/user/login/')
    login = browser.post(url + '/user/login/', allow_redirects=False,
                         data=dict(email=USER, password=PASSWORD,
                                   csrfmiddlewaretoken=browser.cookies['csrftoken']),
                         headers=dict(Referer=url + '/user/login/'))
    assert login.status_code == 302, login.text[:500]
    created = browser.post(url + '/api/token/', headers={
        'X-CSRFToken': browser.cookies['csrftoken'], 'Referer': url})
    assert created.status_code == 201, created.text
    refreshed = requests.post(url + '/api/token/refresh/', json=dict(
        refresh=created.json()['token']))
    assert refreshed.status_code == 200, refreshed.text
    return refreshed.json()['access']


def test_label_studio_round_trip_trains_the_next_cycle(al_train, tool, tiny_scenes, tmp_path):
    import requests
    venv = label_studio_venv()
    run = start(al_train, tmp_path, tiny_scenes)
    to_label = osp.join(run['work_dir'], 'cycle_0', 'to_label', 'label_studio')
    data_dir = tmp_path / 'label_studio'
    data_dir.mkdir()
    with label_studio_server(venv, str(data_dir), str(tmp_path / 'own')) as url:
        api = requests.Session()
        api.headers['Authorization'] = 'Bearer ' + access_token(url)

        def call(method, path, **kwargs):
            response = api.request(method, url + path, timeout=60, **kwargs)
            assert response.status_code in (200, 201), f'{path}: {response.text[:500]}'
            return response

        project = call('POST', '/api/projects/', json=dict(
            title='mmseg_al cycle 0',
            label_config=open(osp.join(to_label, 'labeling_config.xml')).read())).json()['id']
        call('POST', '/api/storages/localfiles/', json=dict(
            project=project, title='images', path=str(tmp_path / 'own' / 'images'),
            use_blob_urls=False))
        imported = call('POST', f'/api/projects/{project}/import',
                        json=json.load(open(osp.join(to_label, 'tasks.json')))).json()
        assert (imported['task_count'], imported['prediction_count']) == (6, 6)
        tasks = call('GET', '/api/tasks/', params=dict(project=project, page_size=100)).json()
        assert sorted(t['data']['sample_id'] for t in tasks['tasks']) == sorted(run['ids'])
        for task in tasks['tasks']:
            sample_id = task['data']['sample_id']
            # The task's image is served from the local files the export points at.
            image = call('GET', task['data']['image']).content
            assert image == open(osp.join(tmp_path, 'own', 'images', sample_id + '.jpg'),
                                 'rb').read()
            prediction = call('GET', '/api/predictions/', params=dict(task=task['id'])).json()
            # An annotator corrects the pre-annotation: the submitted strokes are the truth.
            result = [dict(r, origin='manual') for r in
                      brush_results(run['ground_truth'][sample_id], run['batch']['classes'])]
            call('POST', f'/api/tasks/{task["id"]}/annotations/', json=dict(
                result=result, was_cancelled=False, ground_truth=False, lead_time=12.5,
                parent_prediction=prediction[0]['id'], project=project))
        export = call('GET', f'/api/projects/{project}/export',
                      params=dict(exportType='JSON')).content
    export_file = tmp_path / 'project-export.json'
    export_file.write_bytes(export)

    tool('al_import').main([run['work_dir'], str(export_file)])
    for sample_id in run['ids']:
        np.testing.assert_array_equal(
            cv2.imread(osp.join(run['labels'], sample_id + '.png'), cv2.IMREAD_UNCHANGED),
            run['ground_truth'][sample_id])
    assert state(run)['cycles']['0']['labels_imported']['format'] == 'label-studio'
    al_train(run['argv'])
    results = json.load(open(osp.join(run['work_dir'], 'results.json')))
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
