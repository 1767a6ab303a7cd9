"""A user's own data, made from the tiny digit scenes: a folder of JPEGs of which only
a few have masks, and a human-oracle config over it (as in the README walk-through)."""
import os
import os.path as osp

import cv2

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# The README's configs/my_images.py, with the digit classes and this tree's root.
CONFIG = '''_base_ = ['{repo}/configs/al/entropy_digits_pool11f.py']
metainfo = dict(classes={classes!r},
                palette={palette!r})
images = dict(type='BaseSegDataset', data_root='{root}', metainfo=metainfo,
              img_suffix='.jpg', seg_map_suffix='.png')
train_dataloader = dict(dataset=dict(
    _delete_=True, **images, data_prefix=dict(img_path='images', seg_map_path='labels'),
    pipeline={{{{_base_.train_pipeline}}}}))
val_dataloader = dict(dataset=dict(
    _delete_=True, **images, data_prefix=dict(img_path='val/images', seg_map_path='val/labels'),
    pipeline={{{{_base_.test_pipeline}}}}))
test_dataloader = val_dataloader
model = dict(decode_head=dict(num_classes={num_classes}, loss_decode=dict(class_weight=None)))
active_learning = dict(oracle='human', unit='images', step=6, num_cycles=1)
'''
NUM_LABELED = 6


def _write(path, image):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, image)


def make_own_images(root, scenes):
    """Write ``root/images/*.jpg`` (all pool frames), ``root/labels/*.png`` (the first six
    only) and a labeled ``root/val/``; return the config path and the ground truth of every
    pool frame (kept out of the tree, for the simulated annotators)."""
    from mmseg_al.datasets.digit_scenes import DigitScenesDataset
    ground_truth = {}
    for split, folder in (('train', ''), ('val', 'val')):
        with open(osp.join(scenes, f'{split}.txt')) as f:
            ids = f.read().split()
        for n, sample_id in enumerate(ids):
            image = cv2.imread(osp.join(scenes, 'img_dir', split, sample_id + '.png'))
            label = cv2.imread(osp.join(scenes, 'ann_dir', split, sample_id + '.png'),
                               cv2.IMREAD_UNCHANGED)
            _write(osp.join(root, folder, 'images', sample_id + '.jpg'), image)
            if split == 'val' or n < NUM_LABELED:
                _write(osp.join(root, folder, 'labels', sample_id + '.png'), label)
            if split == 'train':
                ground_truth[sample_id] = label
    meta = DigitScenesDataset.METAINFO
    config = osp.join(root, 'my_images.py')
    with open(config, 'w') as f:
        f.write(CONFIG.format(repo=REPO_ROOT, root=root, classes=tuple(meta['classes']),
                              palette=[list(c) for c in meta['palette']],
                              num_classes=len(meta['classes'])))
    return config, ground_truth


def tiny_options():
    """--cfg-options that make a cycle take seconds."""
    return ['train_dataloader.batch_size=2',
            'train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1', 'active_learning.query_batch_size=8']


def snapshot(*folders):
    """Every file under ``folders`` with its bytes: equal snapshots mean nothing changed."""
    files = {}
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                with open(osp.join(root, name), 'rb') as f:
                    files[osp.join(root, name)] = f.read()
    return files


def start(al_train, tmp_path, scenes):
    """Run cycle 0 of a human-oracle experiment on a new tree; it stops waiting for labels."""
    import json
    config, ground_truth = make_own_images(str(tmp_path / 'own'), scenes)
    work_dir = str(tmp_path / 'work')
    argv = [config, '--work-dir', work_dir, '--cfg-options', *tiny_options()]
    al_train(argv)
    with open(osp.join(work_dir, 'cycle_0', 'to_label', 'batch.json')) as f:
        batch = json.load(f)
    return dict(work_dir=work_dir, argv=argv, ground_truth=ground_truth, batch=batch,
                ids=[item['sample_id'] for item in batch['items']],
                labels=str(tmp_path / 'own' / 'labels'), root=str(tmp_path))


def state(run):
    """The run's al_state.json."""
    import json
    with open(osp.join(run['work_dir'], 'al_state.json')) as f:
        return json.load(f)
