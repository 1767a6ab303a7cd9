"""The Label Studio round trip against a real Label Studio server on 127.0.0.1.

Label Studio is installed once into its own virtual environment (its pins clash
with ours), cached in ``$MMSEG_AL_LABEL_STUDIO_VENV`` (default
``~/.cache/mmseg_al/label-studio-1.23``). The test exports a batch, creates a
project with the exported labeling config, imports the tasks, annotates every
task as the browser does (brush strokes painted from the ground truth), exports
the project as JSON, imports that with tools/al_import.py and trains the next
cycle.
"""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from _label_studio import access_token, label_studio_server, label_studio_venv
from _own_images import start, state

from mmseg_al.annotation import brush_results

pytestmark = pytest.mark.slow


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
