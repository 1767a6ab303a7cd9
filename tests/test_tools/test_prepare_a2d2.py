import csv
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmseg_al.datasets.a2d2 import A2D2_CLASS_LIST, colour_classes

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'prepare_a2d2.py')
spec = importlib.util.spec_from_file_location('prepare_a2d2', TOOL)
prepare_a2d2 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare_a2d2)

# drive -> camera -> raw frame numbers (with gaps, as A2D2's annotated frames have).
TREE = {
    '20180807_145028': {'cam_front_center': [5, 12, 40, 41], 'cam_side_left': [12, 13]},
    '20181108_084007': {'cam_front_center': [100, 7]},
    '20180925_112730': {'cam_front_center': [3, 4, 9]},  # the validation drive
}
BLOCK, ROWS, COLS = 3, 4, 5  # labels are 4x5 blocks of 3x3 px: 15x12 px, 1/3 -> 5x4
UNKNOWN = '#0a0b0c'
COLOURS = sorted(A2D2_CLASS_LIST)


def _rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _sample_id(drive, camera, number):
    view = camera[len('cam_'):].replace('_', '')
    return f'{drive}/camera/{camera}/{drive.replace("_", "")}_camera_{view}_{number:09d}'


def make_raw_tree(root, seed=0, block=BLOCK):
    """A2D2's camera_lidar_semantic layout; returns sample id -> (image, block colours).

    Labels are ROWS x COLS blocks of ``block`` x ``block`` pixels of one colour each.
    """
    rng = np.random.default_rng(seed)
    semantic = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(semantic)
    with open(osp.join(semantic, 'class_list.json'), 'w') as f:
        json.dump(A2D2_CLASS_LIST, f)
    frames, k = {}, 0
    for drive, cameras in TREE.items():
        for camera, numbers in cameras.items():
            for number in numbers:
                sample_id = _sample_id(drive, camera, number)
                blocks = [[COLOURS[(k + r * COLS + c) % len(COLOURS)] for c in range(COLS)]
                          for r in range(ROWS)]
                k += 7
                if len(frames) == 1:
                    blocks[1][2] = UNKNOWN
                label = np.kron(np.array([[_rgb(c) for c in row] for row in blocks], np.uint8),
                                np.ones((block, block, 1), np.uint8))
                image = rng.integers(0, 256, label.shape, dtype=np.uint8)
                label_path = osp.join(semantic, drive, 'label', camera,
                                      osp.basename(sample_id).replace('_camera_', '_label_'))
                for path, array in ((osp.join(semantic, sample_id), image), (label_path, label)):
                    os.makedirs(osp.dirname(path), exist_ok=True)
                    cv2.imwrite(path + '.png', cv2.cvtColor(array, cv2.COLOR_RGB2BGR))
                # A2D2 keeps per-frame JSON beside the images; it is not a frame.
                with open(osp.join(semantic, sample_id + '.json'), 'w') as f:
                    f.write('{}')
                frames[sample_id] = (image, blocks)
    # An image without label is skipped and reported.
    orphan = _sample_id('20181108_084007', 'cam_front_center', 999)
    cv2.imwrite(osp.join(semantic, orphan + '.png'), np.zeros((12, 15, 3), np.uint8))
    return frames


@pytest.fixture
def prepared(tmp_path):
    frames = make_raw_tree(str(tmp_path / 'raw'))
    out = str(tmp_path / 'a2d2')
    prepare_a2d2.main([str(tmp_path / 'raw'), out, '--nproc', '1', '--no-pools'])
    return frames, out


def _read_manifest(out):
    with open(osp.join(out, 'manifest.csv')) as f:
        return list(csv.DictReader(f))


def test_layout_labels_and_images_are_exact(prepared):
    frames, out = prepared
    classes = colour_classes(A2D2_CLASS_LIST)
    for sample_id, (image, blocks) in frames.items():
        split = 'val' if sample_id.startswith('20180925_112730') else 'train'
        ann = cv2.imread(osp.join(out, 'ann_dir', split, sample_id + '.png'), cv2.IMREAD_UNCHANGED)
        expected = [[classes.get(int(c[1:], 16), 255) for c in row] for row in blocks]
        assert ann.dtype == np.uint8 and ann.tolist() == expected
        img = cv2.imread(osp.join(out, 'img_dir', split, sample_id + '.png'))
        block_mean = image.reshape(ROWS, BLOCK, COLS, BLOCK, 3).astype(float).mean(axis=(1, 3))
        assert img.shape == (ROWS, COLS, 3)
        assert np.abs(cv2.cvtColor(img, cv2.COLOR_BGR2RGB) - block_mean).max() <= 1


def test_splits_manifest_and_metadata(prepared):
    frames, out = prepared
    rows = _read_manifest(out)
    assert len(rows) == len(frames) == 11
    by_id = {r['sample_id']: r for r in rows}
    # Frames of a camera stream are numbered by their order in time, gaps closed.
    stream = [by_id[_sample_id('20180807_145028', 'cam_front_center', n)] for n in (5, 12, 40, 41)]
    assert [int(r['frame']) for r in stream] == [0, 1, 2, 3]
    assert {r['sequence'] for r in stream} == {'20180807_145028/cam_front_center'}
    late, early = (by_id[_sample_id('20181108_084007', 'cam_front_center', n)] for n in (100, 7))
    assert (int(early['frame']), int(late['frame'])) == (0, 1)
    assert {r['split'] for r in rows if r['sample_id'].startswith('20180925_112730')} == {'val'}
    assert sum(r['split'] == 'train' for r in rows) == 8
    for split in ('train', 'val'):
        with open(osp.join(out, f'{split}.txt')) as f:
            assert f.read().split() == [r['sample_id'] for r in rows if r['split'] == split]


def test_unknown_colours_and_missing_labels_are_reported(prepared):
    frames, out = prepared
    with open(osp.join(out, 'prepare_a2d2.json')) as f:
        report = json.load(f)
    # 3x3 px of the unknown colour at full resolution, in one frame.
    assert report['unknown_colours'] == {UNKNOWN: dict(pixels=9, frames=1)}
    assert report['frames'] == dict(train=8, val=3)
    assert report['sequences'] == dict(train=2, val=1)
    assert report['sizes'] == [[COLS, ROWS]]
    assert [osp.basename(p) for p in report['images_without_label']] == [
        '20181108084007_camera_frontcenter_000000999.png']


def test_prepare_resumes_and_only_redoes_what_is_missing(tmp_path):
    frames = make_raw_tree(str(tmp_path / 'raw'))
    out = str(tmp_path / 'a2d2')
    command = [sys.executable, TOOL, str(tmp_path / 'raw'), out, '--nproc', '2', '--no-pools']
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert '11 to convert with 2 processes' in first.stdout
    assert UNKNOWN in first.stdout  # the unknown colour is named on the console
    outputs = sorted(osp.join(d, n) for d, _, names in os.walk(out) for n in names
                     if n.endswith('.png'))
    assert len(outputs) == 2 * len(frames)
    before = {p: (os.stat(p).st_mtime_ns, open(p, 'rb').read()) for p in outputs}
    lost = outputs[3]
    os.remove(lost)
    # The frame is converted again as a whole: its image and its label.
    redone = {lost, lost.replace('/img_dir/', '/ann_dir/'), lost.replace('/ann_dir/', '/img_dir/')}
    # A crash can leave a half-written journal line; it must not break the resume.
    with open(osp.join(out, 'prepare_a2d2.jsonl'), 'a') as f:
        f.write('{"sample_id": "2018')
    manifest = open(osp.join(out, 'manifest.csv')).read()
    second = subprocess.run(command, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert '10 already converted, 1 to convert' in second.stdout
    for path, (mtime, content) in before.items():
        assert open(path, 'rb').read() == content
        if path not in redone:
            assert os.stat(path).st_mtime_ns == mtime
    assert open(osp.join(out, 'manifest.csv')).read() == manifest
    assert not [n for _, _, names in os.walk(out) for n in names if n.startswith('.tmp_')]


def test_too_small_a_release_for_the_pools_is_reported(tmp_path):
    make_raw_tree(str(tmp_path / 'raw'))
    out = str(tmp_path / 'a2d2')
    with pytest.raises(SystemExit, match='frames are converted, but the pools could not be '
                       r'built: Pool-0f needs 2640'):
        prepare_a2d2.main([str(tmp_path / 'raw'), out, '--nproc', '1'])
    assert osp.isfile(osp.join(out, 'manifest.csv'))


def test_missing_raw_release_names_the_path(tmp_path):
    with pytest.raises(SystemExit, match=r'No A2D2 semantic release at .*class_list\.json'):
        prepare_a2d2.main([str(tmp_path), str(tmp_path / 'out')])


@pytest.mark.slow
@pytest.mark.parametrize('config, method, ssl', [
    ('entropy_a2d2_3k', 'EntropyAcquisition', None),
    ('coreset_ssl_a2d2_3k', 'CoresetAcquisition', 'S4GANSegmentor')])
def test_a2d2_3k_runs_three_cycles_end_to_end(tmp_path, config, method, ssl):
    """Raw A2D2 layout -> prepare -> an A2D2-3K experiment config (3 cycles), tiny."""
    make_raw_tree(str(tmp_path / 'raw'), block=12)  # 60x48 px raw, 20x16 prepared
    data_root = str(tmp_path / 'a2d2')
    prepare_a2d2.main([str(tmp_path / 'raw'), data_root, '--nproc', '1', '--no-pools'])
    # The experiment as configured, scaled down: 2 images a cycle instead of 1,000 (the
    # tree has 8 train frames), the digit-scene network instead of WRN-38 (no ImageNet
    # weights to reset the backbone to, so retrained each cycle), 2 iterations.
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'al', f'{config}.py'))
    assert cfg.active_learning.unit == 'images' and cfg.active_learning.num_cycles == 2
    cfg.model = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                                         'deeplabv3plus_r18_digits.py')).model
    cfg.model.decode_head.num_classes = 19
    cfg.model.decode_head.loss_decode.pop('class_weight')  # the digits' 11 weights
    cfg.data_preprocessor = cfg.model.data_preprocessor
    cfg.merge_from_dict({
        'active_learning.initial': 2, 'active_learning.step': 2,
        'active_learning.training': 'retrain', 'active_learning.epochs_per_cycle': None,
        'train_cfg.max_iters': 2, 'param_scheduler': [
            dict(type='PolyLR', power=0.9, begin=0, end=2, by_epoch=False)],
        'train_dataloader.batch_size': 2, 'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.num_workers': 0, 'val_dataloader.dataset.data_root': data_root})
    cfg.test_dataloader = cfg.val_dataloader
    tiny_config = str(tmp_path / f'{config}_tiny.py')
    cfg.dump(tiny_config)
    work_dir = str(tmp_path / 'work')
    run = subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'al_train.py'), tiny_config,
                          '--work-dir', work_dir], capture_output=True, text=True,
                         env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert run.returncode == 0, run.stderr[-3000:]
    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    assert results['method'] == method and results['ssl'] == ssl
    assert [c['num_labeled'] for c in results['cycles']] == [2, 4, 6]
    assert all(0 <= c['mIoU'] <= 100 for c in results['cycles'])
    picked = []
    for k in range(3):
        with open(osp.join(work_dir, f'cycle_{k}', 'labeled.txt')) as f:
            picked += f.read().split()
    with open(osp.join(data_root, 'train.txt')) as f:
        train = f.read().split()
    assert len(picked) == len(set(picked)) == 6 and set(picked) <= set(train)
