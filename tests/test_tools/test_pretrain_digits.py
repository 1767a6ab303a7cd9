"""tools/pretrain_digits.py, the pretrained digit configs that load its weights, and the
pretrained-regime grid."""
import functools
import json
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmseg_al.compat import adapt_cfg_to_device
from mmseg_al.datasets import preparation
from mmseg_al.datasets.digit_pretraining import DigitPretrainingSpec
from mmseg_al.datasets.ssl_dataloader import apply_ssl
from mmseg_al.registry import MODELS, PARAM_SCHEDULERS
from mmseg_al.study.study import Study

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LEAF = osp.join(REPO_ROOT, 'configs/al/entropy_digits_pool11f_pretrained.py')
TINY_ARGS = ['--crop-size', '20', '--renders-per-digit', '1', '--held-out-renders', '1',
             '--iterations', '3', '--batch-size', '8']


@pytest.fixture(scope='module')
def tiny_weights(tmp_path_factory, tool):
    """Weights the tool made with tiny settings, for the leaf config's backbone."""
    path = str(tmp_path_factory.mktemp('weights') / 'r18.pth')
    tool('pretrain_digits').main([LEAF, '--out', path, *TINY_ARGS])
    return path


def _leaf_cfg(checkpoint):
    cfg = Config.fromfile(LEAF)
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    adapt_cfg_to_device(cfg, 'none')
    return cfg


def test_help_says_what_and_how(tool, capsys):
    with pytest.raises(SystemExit) as exc:
        tool('pretrain_digits').main(['--help'])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert 'train-side source digits' in text and '--force' in text and '--iterations' in text


def test_existing_weights_are_kept_and_described(tool, tiny_weights, capsys):
    before = open(tiny_weights, 'rb').read()
    tool('pretrain_digits').main([LEAF, '--out', tiny_weights])
    assert 'exists (held-out accuracy' in capsys.readouterr().out
    assert open(tiny_weights, 'rb').read() == before


def test_the_pretrained_config_loads_every_backbone_tensor(tiny_weights):
    cfg = _leaf_cfg(tiny_weights)
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    model = MODELS.build(cfg.model)
    model.init_weights()
    saved = torch.load(tiny_weights, weights_only=True)['state_dict']
    loaded = model.backbone.state_dict()
    assert set(loaded) == set(saved)  # no missing and no unexpected backbone key
    assert all(torch.equal(loaded[key], saved[key]) for key in saved)
    # The head is not pretrained: it starts from its own initialisation.
    assert not any(key.startswith('decode_head') for key in saved)


def _learning_rates(cfg, model):
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = [PARAM_SCHEDULERS.build(dict(s, optimizer=optim_wrapper))
                  for s in cfg.param_scheduler]
    groups = optim_wrapper.optimizer.param_groups

    def group_of(param):
        return next(g for g in groups if any(p is param for p in g['params']))
    head = group_of(model.decode_head.conv_seg.weight)
    backbone = group_of(model.backbone.stem[0].weight)
    rates = []
    for _ in range(1000):
        rates.append((backbone['lr'], head['lr']))
        optim_wrapper.optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return rates


def test_the_head_learns_at_ten_times_the_backbone_rate_all_cycle(tiny_weights):
    cfg = _leaf_cfg(tiny_weights)
    model = MODELS.build(cfg.model)
    rates = _learning_rates(cfg, model)
    assert all(head == pytest.approx(10 * backbone, rel=1e-9) for backbone, head in rates)
    heads = [head for _, head in rates]
    assert max(heads) == pytest.approx(2e-2) and heads.index(max(heads)) == 99
    assert heads[0] == pytest.approx(2e-2 / 25) and heads[-1] < 2e-2 / 1e4
    # The head follows the from-scratch one-cycle schedule (same warm-up length, peak
    # and decay; a linear instead of a cosine warm-up).
    scratch = Config.fromfile(osp.join(REPO_ROOT, 'configs/al/entropy_digits_pool11f.py'))
    adapt_cfg_to_device(scratch, 'none')
    one_cycle = [head for _, head in _learning_rates(scratch, MODELS.build(scratch.model))]
    assert all(abs(a - b) < 0.005 * 2e-2 for a, b in zip(heads[100:], one_cycle[100:]))
    # Under s4GAN the segmentor keeps this optimisation.
    cfg.ssl = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/ssl/s4gan_digits.py')).ssl
    cfg.train_dataloader.dataset = dict(type='ActiveDataset', view='labeled',
                                        dataset=cfg.train_dataloader.dataset)  # as each cycle
    ssl = apply_ssl(cfg)
    assert ssl.optim_wrapper.segmentor.paramwise_cfg == cfg.optim_wrapper.paramwise_cfg
    assert ssl.param_scheduler.segmentor == cfg.param_scheduler


GRID = osp.join(REPO_ROOT, 'configs/studies/digits_redundancy.py')


def _pretrained(experiments):
    return [e for e in experiments if e.tags.get('regime') == 'pretrained']


def test_the_pretrained_regime_pairs_with_the_scratch_grid():
    experiments = Study(GRID).experiments
    pretrained = _pretrained(experiments)
    scratch = {e.name: e.tags for e in experiments if 'regime' not in e.tags}
    assert len(pretrained) == 19 and len(scratch) == 97
    for experiment in pretrained:
        tags = dict(experiment.tags)
        assert tags.pop('regime') == 'pretrained'
        # Every cell has its from-scratch twin, named as the twin plus `_pretrained`.
        assert scratch[experiment.name[:-len('_pretrained')]] == tags
    assert not any('pretrained' in name for name in scratch)
    cells = {(e.tags['method'], e.tags['ssl'], e.tags['pool']) for e in pretrained}
    assert {m for m, _, _ in cells} == {'Random', 'Entropy', 'Coreset', 'UncertainCoreset',
                                        '100%'}
    assert {p for _, _, p in cells} == {'Pool-0f', 'Pool-21f', 'Pool-11f'}


def test_every_pretrained_experiment_loads_the_weights(tmp_path):
    study = Study(GRID, work_dir=str(tmp_path))
    runs = study.runs(only=dict(regime=['pretrained']))
    assert len(runs) == 57
    for run in runs:
        cfg = Config.fromfile(run.config)
        assert cfg.model.backbone.init_cfg == dict(
            type='Pretrained', checkpoint='data/digit_scenes/pretrained/'
            'r18_digits_classification.pth'), run.experiment
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys.decode_head.lr_mult == 10.0
        assert ('ssl' in cfg) == ('_SSL_' in run.experiment)


@pytest.mark.slow
def test_a_tiny_pretrained_run_end_to_end(al_train, tiny_al_options, tiny_scenes,
                                           tiny_weights, tmp_path):
    work_dir = tmp_path / 'work'
    al_train([LEAF, '--work-dir', str(work_dir), '--cfg-options',
              *tiny_al_options(tiny_scenes, max_iters=4, num_cycles=1),
              f'model.backbone.init_cfg.checkpoint={tiny_weights}'])
    results = json.loads((work_dir / 'results.json').read_text())
    assert [c['cycle'] for c in results['cycles']] == [0, 1]
    logs = '\n'.join(p.read_text() for p in work_dir.glob('cycle_*/*/*.log'))
    assert logs.count(f'load model from: {tiny_weights}') == 2  # each cycle's fresh model


@pytest.mark.slow
def test_al_train_makes_the_weights_on_first_use(al_train, tiny_al_options, tiny_scenes,
                                                  tmp_path, monkeypatch):
    root = str(tmp_path / 'scenes')
    shutil.copytree(tiny_scenes, root)
    tiny = DigitPretrainingSpec(crop_size=20, renders_per_digit=1, held_out_renders=1,
                                iterations=3, batch_size=8)
    monkeypatch.setattr(preparation, 'prepare_pretrained_backbones', functools.partial(
        preparation.prepare_pretrained_backbones, spec=tiny, progress=False))
    checkpoint = osp.join(root, 'pretrained', 'r18_digits_classification.pth')
    al_train([LEAF, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
              *tiny_al_options(root, max_iters=2, num_cycles=0),
              f'model.backbone.init_cfg.checkpoint={checkpoint}'])
    assert osp.isfile(checkpoint)
