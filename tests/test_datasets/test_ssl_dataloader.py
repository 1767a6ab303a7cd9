import copy
import itertools
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.datasets.transforms import LoadAnnotations

from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes
from mmseg_al.datasets.ssl_dataloader import apply_ssl, ssl_train_dataloader

SPEC = DigitScenesSpec(num_train_sequences=2, train_frames_per_sequence=5, num_val_sequences=1,
                       val_frames_per_sequence=1, height=32, width=64, digit_size=(10, 14))


@pytest.fixture(scope='module')
def digit_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('digits'))
    make_digit_scenes(root, SPEC, progress=False)
    return root


def train_dataloader(root, labeled_ids):
    pool = dict(type='DigitScenesDataset', data_root=root, ann_file='train.txt',
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                          dict(type='PackSegInputs')])
    return dict(batch_size=2, num_workers=0, sampler=dict(type='InfiniteSampler'),
                dataset=dict(type='ActiveDataset', dataset=pool, view='labeled',
                             labeled={i: 0 for i in labeled_ids}))


def ids(root):
    with open(osp.join(root, 'train.txt')) as f:
        return f.read().split()


def test_config_conversion():
    supervised = train_dataloader('data', ['a', 'b'])
    ssl = ssl_train_dataloader(supervised, unlabeled_ratio=1.5)
    assert ssl['batch_size'] == 5
    assert ssl['sampler'] == dict(type='MixedBatchSampler', batch_size=5, source_ratio=[2, 3])
    labeled, unlabeled = ssl['dataset']['datasets']
    assert labeled == supervised['dataset']
    assert unlabeled['view'] == 'unlabeled' and unlabeled['with_labels'] is False
    assert [t['type'] for t in unlabeled['dataset']['pipeline']] == [
        'LoadImageFromFile', 'PackSegInputs']
    assert supervised == train_dataloader('data', ['a', 'b'])  # input untouched


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError, match='ActiveDataset'):
        ssl_train_dataloader(dict(batch_size=2, dataset=dict(type='DigitScenesDataset')))
    with pytest.raises(ValueError, match='unlabeled_ratio'):
        ssl_train_dataloader(train_dataloader('data', ['a']), unlabeled_ratio=0)
    epoch_based = dict(type='EpochBasedTrainLoop', max_epochs=2)
    with pytest.raises(ValueError, match='iteration-based'):
        apply_ssl(Config(dict(train_cfg=epoch_based, ssl=dict(model=dict(type='S4GANSegmentor')))))
    with pytest.raises(ValueError, match='"model"'):
        apply_ssl(Config(dict(train_cfg=epoch_based, ssl=dict(unlabeled_ratio=1.0))))
    supervised = Config(dict(model=dict(type='EncoderDecoder')))
    assert apply_ssl(supervised) is supervised


def test_apply_ssl_wraps_model_optimisers_hooks_and_dataloader():
    cfg = Config(dict(
        model=dict(type='EncoderDecoder'), train_cfg=dict(max_iters=7),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='IterTimerHook')],
        train_dataloader=train_dataloader('data', ['a']),
        ssl=dict(model=dict(type='S4GANSegmentor'), unlabeled_ratio=2.0,
                 optim_wrapper=dict(discriminator=dict(optimizer=dict(type='Adam'))),
                 custom_hooks=[dict(type='EMATeacherHook')])))
    ssl_cfg = apply_ssl(cfg)
    assert 'ssl' not in ssl_cfg and apply_ssl(ssl_cfg) is ssl_cfg  # never wraps twice
    assert ssl_cfg.model == dict(type='S4GANSegmentor', segmentor=cfg.model,
                                 semi_train_cfg=dict(total_iters=7))
    assert ssl_cfg.optim_wrapper == dict(
        constructor='MultiOptimWrapperConstructor', segmentor=cfg.optim_wrapper,
        discriminator=dict(optimizer=dict(type='Adam')))
    # The discriminator has no schedule of its own here: a constant rate, never the
    # segmentor's (mmengine would apply a plain list to every optimiser).
    assert ssl_cfg.param_scheduler == dict(segmentor=[], discriminator=[])
    assert [h['type'] for h in ssl_cfg.custom_hooks] == ['IterTimerHook', 'EMATeacherHook']
    assert ssl_cfg.train_dataloader.batch_size == 6  # 2 labeled + 4 unlabeled
    assert 'ssl' in cfg  # the input is untouched


def test_each_optimiser_gets_its_own_schedule():
    one_cycle = dict(type='OneCycleLR', eta_max=2e-2, total_steps=7, by_epoch=False)
    poly = dict(type='PolyLR', power=0.9, by_epoch=False)
    cfg = Config(dict(
        model=dict(type='EncoderDecoder'), train_cfg=dict(max_iters=7),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-2)),
        param_scheduler=[one_cycle], train_dataloader=train_dataloader('data', ['a']),
        ssl=dict(model=dict(type='S4GANSegmentor'),
                 optim_wrapper=dict(discriminator=dict(optimizer=dict(type='Adam', lr=1e-4))),
                 param_scheduler=dict(discriminator=poly))))
    assert apply_ssl(cfg).param_scheduler == dict(
        segmentor=[one_cycle], discriminator=[dict(poly, end=7)])  # ends with the cycle
    cfg.ssl.param_scheduler = dict(teacher=[poly])
    with pytest.raises(ValueError, match="names \\['teacher'\\]"):
        apply_ssl(cfg)
    cfg.ssl.pop('optim_wrapper')
    with pytest.raises(ValueError, match='no optim_wrapper'):
        apply_ssl(cfg)

def test_mixed_batches_keep_the_ratio_and_never_read_unlabeled_labels(digit_root, monkeypatch):
    """Proof of no leak: the unlabeled images' label files are deleted, label loading is
    spied on, and batches are checked for ground truth."""
    init_default_scope('mmseg_al')
    all_ids = ids(digit_root)
    labeled_ids, unlabeled_ids = all_ids[:3], all_ids[3:]
    root = digit_root + '_leak'
    shutil.copytree(digit_root, root)
    for sample_id in unlabeled_ids:
        os.remove(osp.join(root, 'ann_dir', 'train', sample_id + '.png'))
    loaded = []
    original = LoadAnnotations.transform
    monkeypatch.setattr(LoadAnnotations, 'transform',
                        lambda self, results: loaded.append(results['img_path']) or
                        original(self, results))

    cfg = ssl_train_dataloader(train_dataloader(root, labeled_ids), unlabeled_ratio=2.0)
    loader = Runner.build_dataloader(copy.deepcopy(cfg), seed=0)
    seen_unlabeled = set()
    for batch in itertools.islice(iter(loader), 8):
        samples = batch['data_samples']
        assert len(samples) == 6
        has_gt = ['gt_sem_seg' in s for s in samples]
        assert has_gt == [True] * 2 + [False] * 4
        names = [osp.basename(s.img_path)[:-4] for s in samples]
        assert set(names[:2]) <= set(labeled_ids) and set(names[2:]) <= set(unlabeled_ids)
        seen_unlabeled.update(names[2:])
        assert all('seg_map_path' not in s.metainfo for s in samples[2:])
    assert seen_unlabeled == set(unlabeled_ids)
    assert {osp.basename(p)[:-4] for p in loaded} == set(labeled_ids)


CONFIG_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'al')
SSL_CONFIGS = sorted(f for f in os.listdir(CONFIG_DIR) if '_ssl_digits_' in f)


def test_every_acquisition_has_both_ssl_configs():
    supervised = {f.split('_digits_')[0] for f in os.listdir(CONFIG_DIR)
                  if f.endswith('_digits_pool11f.py') and '_ssl_' not in f and 'full' not in f}
    paper = {'random', 'entropy', 'equal', 'bald', 'coreset'}
    assert paper <= supervised
    # Every acquisition with s4GAN; the paper's five also with U2PL (its Table 4).
    assert set(SSL_CONFIGS) == {f'{a}_ssl_digits_pool11f.py' for a in supervised} | {
        f'{a}_u2pl_ssl_digits_pool11f.py' for a in paper}


@pytest.mark.parametrize('name', SSL_CONFIGS)
def test_ssl_config_is_its_supervised_sibling_plus_the_switch(name):
    from mmseg_al.compat import adapt_cfg_to_device
    from mmseg_al.registry import MODELS
    init_default_scope('mmseg_al')
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    sibling = Config.fromfile(osp.join(
        CONFIG_DIR, name.replace('_u2pl_ssl_', '_').replace('_ssl_', '_')))
    ssl = cfg.pop('ssl')
    assert cfg.to_dict() == sibling.to_dict()
    cfg.ssl = ssl
    pool = cfg.train_dataloader.dataset
    cfg.train_dataloader.dataset = dict(type='ActiveDataset', dataset=pool, view='labeled')
    model = MODELS.build(adapt_cfg_to_device(apply_ssl(cfg), 'none').model)
    expected = 'U2PLSegmentor' if '_u2pl_' in name else 'S4GANSegmentor'
    assert type(model).__name__ == expected
    assert model.inference_segmentor.decode_head.num_classes == 11
