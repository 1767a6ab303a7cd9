"""A human-oracle run on a user's folder of JPEGs: export, stop, import, next cycle."""
import json
import os.path as osp
import zipfile

import cv2
import numpy as np
import pytest
from _own_images import snapshot, start, state

from mmseg_al.al_state import ALState
from mmseg_al.annotation import brush_results, write_index_masks
from mmseg_al.oracle import IMPORTED, WAITING, label_import, waiting_cycle


pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def waiting(al_train, tiny_scenes, tmp_path_factory):
    return start(al_train, tmp_path_factory.mktemp('waiting'), tiny_scenes)


def masks_folder(run, folder, ids=None, change=None):
    masks = {s: run['ground_truth'][s].copy() for s in (ids or run['ids'])}
    if change:
        change(masks)
    write_index_masks(str(folder), masks)
    return str(folder)


def label_studio_export(run, path, cycle=0, ids=None):
    tasks = [dict(id=n, data=dict(sample_id=s, al_cycle=cycle, image=f'{s}.jpg'),
                  annotations=[dict(result=brush_results(run['ground_truth'][s],
                                                         run['batch']['classes']))])
             for n, s in enumerate(ids or run['ids'])]
    path.write_text(json.dumps(tasks))
    return str(path)


def cvat_export(run, path, ids=None, stray_colour=None):
    palette = np.array(run['batch']['palette'], np.uint8)
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('labelmap.txt', ''.join(
            f'{name}:{",".join(map(str, rgb))}::\n'
            for name, rgb in zip(run['batch']['classes'], run['batch']['palette'])))
        for s in ids or run['ids']:
            rgb = palette[run['ground_truth'][s]]
            if stray_colour:
                rgb[0, 0] = stray_colour
            archive.writestr(f'SegmentationClass/{s}.png', cv2.imencode(
                '.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes())
    return str(path)


def bigger(masks):
    first = next(iter(masks))
    masks[first] = np.zeros((33, 64), np.uint8)


def with_value(masks):
    first = next(iter(masks))
    masks[first][0, :2] = (42, 17)


BAD_SOURCES = {
    'missing masks': (lambda r, p: masks_folder(r, p, ids=r['ids'][:4]),
                      ['2 of the 6 images of the batch have no mask', '--partial']),
    'wrong size': (lambda r, p: masks_folder(r, p, change=bigger),
                   ['do not match their image size', 'is 33x64, the image 32x64']),
    'unknown class value': (lambda r, p: masks_folder(r, p, change=with_value),
                            ['unknown class values [17, 42]']),
    'unknown colour': (lambda r, p: cvat_export(r, p / 'x.zip', stray_colour=(1, 2, 3)),
                       ['colours not in labelmap.txt: (1, 2, 3)']),
    'image not in the batch': (
        lambda r, p: masks_folder(r, p, ids=r['ids'] + ['train_seq000_f009']),
        ["images not in the batch of cycle 0: ['train_seq000_f009']"]),
    'earlier batch': (lambda r, p: masks_folder(r, p, ids=r['ids'] + sorted(
        state(r)['labeled'])[:1]), ['labeled in an earlier cycle']),
    'duplicates': (lambda r, p: label_studio_export(r, p / 'x.json', ids=r['ids'] + r['ids'][:1]),
                   ['1 images have more than one mask']),
    'corrupt json': (lambda r, p: str((p / 'x.json').write_text('[{"da') and p / 'x.json'),
                     ['not a Label Studio JSON export']),
    'corrupt zip': (lambda r, p: str((p / 'x.zip').write_bytes(b'PK\x03') and p / 'x.zip'),
                    ['not a CVAT export']),
    'another cycle': (lambda r, p: label_studio_export(r, p / 'x.json', cycle=3),
                      ['batch of cycle [3] but the run waits for the batch of cycle 0']),
}


@pytest.mark.parametrize('case', sorted(BAD_SOURCES))
def test_bad_import_is_rejected_and_changes_nothing(case, tool, waiting, tmp_path):
    make, fragments = BAD_SOURCES[case]
    source = make(waiting, tmp_path)
    before = snapshot(waiting['work_dir'], waiting['labels'])
    with pytest.raises(SystemExit) as exc:
        tool('al_import').main([waiting['work_dir'], source])
    for fragment in fragments:
        assert fragment in str(exc.value.code), exc.value.code
    assert 'nothing was changed' in str(exc.value.code).lower()
    assert snapshot(waiting['work_dir'], waiting['labels']) == before


def test_waiting_cycle_is_the_cycle_whose_batch_waits_or_none(tmp_path):
    state = ALState(str(tmp_path / 'al_state.json'), 0, 'hash', labeled={'a': 0})
    state.mark_done(0, 'acquire')
    assert waiting_cycle(state) is None
    state.cycle(0)[IMPORTED] = dict(ids=['b'])
    state.cycle(1)[WAITING] = dict(images=1, to_label='cycle_1/to_label')
    assert waiting_cycle(state) == 1


def test_import_into_a_run_not_waiting(tool, tmp_path):
    (tmp_path / 'al_state.json').write_text(json.dumps(dict(
        version=1, seed=0, config_hash='x', labeled={'a': 0},
        cycles={'0': dict(done=['train', 'eval', 'acquire'])})))
    with pytest.raises(SystemExit) as exc:
        tool('al_import').main([str(tmp_path), str(tmp_path)])
    assert 'is not waiting for labels' in str(exc.value.code)


def test_masks_import_then_the_next_cycle_trains(al_train, tool, tiny_scenes, tmp_path,
                                                 monkeypatch, capsys):
    run = start(al_train, tmp_path, tiny_scenes)
    source = masks_folder(run, tmp_path / 'masks')
    # An import killed after two masks leaves the run waiting; running it again finishes.
    written, real_write = [], label_import.atomic_write_png

    def killed_after_two(path, mask):
        if len(written) == 2:
            raise KeyboardInterrupt()
        written.append(path)
        real_write(path, mask)

    monkeypatch.setattr(label_import, 'atomic_write_png', killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        tool('al_import').main([run['work_dir'], source])
    assert 'waiting_for_labels' in state(run)['cycles']['0']
    monkeypatch.setattr(label_import, 'atomic_write_png', real_write)
    tool('al_import').main([run['work_dir'], source])
    assert 'imported 6 masks (masks) for the batch of cycle 0' in capsys.readouterr().out
    for s in run['ids']:  # written where the pool dataset reads its labels
        np.testing.assert_array_equal(
            cv2.imread(osp.join(run['labels'], s + '.png'), cv2.IMREAD_UNCHANGED),
            run['ground_truth'][s])
    record = state(run)['cycles']['0']
    assert 'waiting_for_labels' not in record
    assert record['labels_imported']['ids'] == run['ids']
    with pytest.raises(SystemExit) as exc:
        tool('al_import').main([run['work_dir'], source])
    assert 'imported already' in str(exc.value.code)

    al_train(run['argv'])
    results = json.load(open(osp.join(run['work_dir'], 'results.json')))
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
    labeled = state(run)['labeled']
    assert sorted(s for s, c in labeled.items() if c == 1) == sorted(run['ids'])
    assert open(osp.join(run['work_dir'], 'cycle_1', 'labeled.txt')).read().split() == sorted(
        run['ids'], key=list(labeled).index)


def test_partial_cvat_import_labels_only_what_came_back(al_train, tool, tiny_scenes, tmp_path):
    run = start(al_train, tmp_path, tiny_scenes)
    back = run['ids'][:4]
    tool('al_import').main([run['work_dir'], cvat_export(run, tmp_path / 'cvat.zip', ids=back),
                            '--partial'])
    assert state(run)['cycles']['0']['labels_imported']['not_returned'] == run['ids'][4:]
    assert not any(osp.exists(osp.join(run['labels'], s + '.png')) for s in run['ids'][4:])
    al_train(run['argv'])
    labeled = state(run)['labeled']
    assert sorted(s for s, c in labeled.items() if c == 1) == sorted(back)
    results = json.load(open(osp.join(run['work_dir'], 'results.json')))
    assert [c['num_labeled'] for c in results['cycles']] == [6, 10]
