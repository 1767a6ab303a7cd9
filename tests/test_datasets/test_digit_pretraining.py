"""The digit backbone's pretraining: deterministic, blind to the val set, made on first use."""
import builtins
import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmseg_al.datasets import digit_pretraining, preparation
from mmseg_al.datasets.digit_pretraining import (DigitPretrainingSpec, PretrainedWeightsError,
                                                 prepare_pretrained_backbones, pretrain_backbone,
                                                 pretrained_backbones, read_pretrained_meta,
                                                 scenes_spec)
from mmseg_al.datasets.digit_scenes import ACTORS_FILE

MODEL = 'configs/_base_/models/deeplabv3plus_r18_digits.py'
# A few steps on one crop per source digit: seconds, yet every code path of the real run.
TINY = DigitPretrainingSpec(crop_size=20, renders_per_digit=1, held_out_renders=1,
                            iterations=3, batch_size=8)


@pytest.fixture(scope='module')
def model_cfg():
    return Config.fromfile(MODEL).model


def _pretrain(model_cfg, root, spec=TINY):
    return pretrain_backbone(model_cfg.backbone, model_cfg.data_preprocessor.mean,
                             model_cfg.data_preprocessor.std, scenes_spec(root), spec)


def _actor_sources(root, split):
    """The ``load_digits`` indices the scenes of ``split`` draw, from actors.json."""
    with open(osp.join(root, ACTORS_FILE)) as f:
        sources = json.load(f)['sources']
    return {source for uid, source in sources.items() if uid.startswith(f'{split}_')}


def test_same_settings_give_the_same_weights_bit_for_bit(model_cfg, tiny_scenes):
    first, meta = _pretrain(model_cfg, tiny_scenes)
    second, _ = _pretrain(model_cfg, tiny_scenes)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)
    other_seed, _ = _pretrain(model_cfg, tiny_scenes, DigitPretrainingSpec(
        **{**TINY.__dict__, 'seed': 1}))
    assert not all(torch.equal(first[k], other_seed[k]) for k in first)
    assert meta['pretraining']['iterations'] == 3 and meta['scenes']['digit_size'] == [12, 16]


def test_pretraining_leaves_the_global_torch_rng_alone(model_cfg, tiny_scenes):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _pretrain(model_cfg, tiny_scenes)
    assert torch.equal(torch.rand(3), expected)


def test_pretraining_never_reads_a_val_digit_or_a_val_file(model_cfg, tiny_scenes,
                                                           monkeypatch):
    # Independent expectation: which source digits the val and train scenes drew, as
    # the scene generator recorded them.
    val_sources = _actor_sources(tiny_scenes, 'val')
    train_sources = _actor_sources(tiny_scenes, 'train')
    assert val_sources and train_sources and not val_sources & train_sources
    from sklearn.datasets import load_digits
    all_images = load_digits().images.astype(np.float32) / 16.0
    val_images = {all_images[i].tobytes() for i in val_sources}
    train_images = {all_images[i].tobytes() for i in train_sources}

    drawn, opened = [], []
    real_deform, real_open = digit_pretraining._deformed_digit, builtins.open
    monkeypatch.setattr(digit_pretraining, '_deformed_digit',
                        lambda image, size, rng: drawn.append(image.tobytes())
                        or real_deform(image, size, rng))
    monkeypatch.setattr(builtins, 'open',
                        lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    monkeypatch.setattr(cv2, 'imread', lambda *a, **k: pytest.fail('pretraining read an image'))
    _, meta = _pretrain(model_cfg, tiny_scenes)

    assert drawn and not set(drawn) & val_images
    assert train_images <= set(drawn)  # it shares the train scenes' source digits
    assert meta['source_digits'] == len(set(drawn)) == int(0.6 * 1797)
    # The only file it opens is the scenes' spec; no split list, image or label.
    assert all(path.endswith('digit_scenes.json') for path in opened), opened


def _pretrained_model_cfg(model_cfg, path):
    cfg = Config(dict(model=model_cfg)).model
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    return cfg


def test_weights_are_made_once_where_the_config_points(model_cfg, tiny_scenes, tmp_path):
    root = str(tmp_path / 'scenes')
    shutil.copytree(tiny_scenes, root)
    path = osp.join(root, 'pretrained', 'r18.pth')
    cfg = _pretrained_model_cfg(model_cfg, path)
    assert pretrained_backbones(cfg, [root]) == [(path, cfg.backbone, root)]
    assert pretrained_backbones(cfg, [str(tmp_path / 'other')]) == []

    assert prepare_pretrained_backbones(cfg, [root], TINY, progress=False) == [path]
    meta = read_pretrained_meta(path)
    assert meta['scenes']['seed'] == 0 and meta['pretraining']['iterations'] == 3
    saved = torch.load(path, weights_only=True)['state_dict']
    assert prepare_pretrained_backbones(cfg, [root], TINY, progress=False) == []  # kept
    assert all(torch.equal(saved[k], v)
               for k, v in torch.load(path, weights_only=True)['state_dict'].items())

    # The same backbone with BN for SyncBN (as on a machine without CUDA) is the same.
    cfg.backbone.norm_cfg.type = 'BN'
    assert prepare_pretrained_backbones(cfg, [root], TINY, progress=False) == []
    # Weights of another backbone under the same name are refused, not half-loaded.
    cfg.backbone.base_channels = 8
    with pytest.raises(PretrainedWeightsError, match='another backbone'):
        prepare_pretrained_backbones(cfg, [root], TINY, progress=False)


def test_prepare_or_check_makes_the_weights_a_digit_config_asks_for(tiny_scenes, monkeypatch):
    calls = []
    monkeypatch.setattr(preparation, 'prepare_pretrained_backbones',
                        lambda model, roots: calls.append((model, roots)))
    cfg = Config.fromfile('configs/al/entropy_digits_pool11f_pretrained.py')
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': tiny_scenes,
        'train_dataloader.dataset.ann_file': 'train.txt',
        'val_dataloader.dataset.data_root': tiny_scenes,
        'test_dataloader.dataset.data_root': tiny_scenes,
        'model.backbone.init_cfg.checkpoint': osp.join(tiny_scenes, 'pretrained', 'x.pth')})
    preparation.prepare_or_check(cfg)
    assert len(calls) == 1 and calls[0][1] == [tiny_scenes]
    # A scratch config asks for nothing.
    calls.clear()
    cfg.model.backbone.pop('init_cfg')
    preparation.prepare_or_check(cfg)
    assert calls == []
