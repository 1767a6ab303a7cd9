import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

from mmseg_al.acquisition import AcquisitionContext, RandomAcquisition
from mmseg_al.config_error import ConfigError
from mmseg_al.datasets import ActiveDataset
from mmseg_al.registry import ACQUISITIONS

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'al',
                  'entropy_digits_pool11f.py')


def _study(path, winner, write_study, methods=('Random', 'Entropy', 'Coreset')):
    """A study of two pools at 10-10 where ``winner`` beats Random, which beats the rest."""
    runs = []
    for pool in ('diverse', 'redundant'):
        for method in methods:
            auc = 18.0 if method == winner else 16.0 if method == 'Random' else 15.0
            runs += [dict(pool=pool, budget='10-10', method=method, ssl='sup', seed=seed,
                          auc=auc + 0.1 * seed) for seed in (0, 1)]
    return write_study(path, runs, redundancy={'diverse': 0.1, 'redundant': 0.9})


def _context(tiny_scenes, cycle=0, work_dir=None):
    """The tiny pool (60 frames) with 6 labeled at cycle 0 (10 %) and 6 more per cycle."""
    init_default_scope('mmseg_al')
    pool_cfg = dict(type='DigitScenesDataset', data_root=tiny_scenes, ann_file='train.txt',
                    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                    pipeline=[dict(type='LoadImageFromFile'), dict(type='PackSegInputs')])
    ids = ActiveDataset(pool_cfg, view='all').pool_ids
    labeled = {s: min(i // 6, cycle) for i, s in enumerate(ids[:6 * (cycle + 1)])}
    views = {view: ActiveDataset(pool_cfg, labeled=labeled, view=view, with_labels=False)
             for view in ('labeled', 'unlabeled')}
    loaders = {view: DataLoader(dataset, batch_size=2, collate_fn=pseudo_collate)
               for view, dataset in views.items()}
    return AcquisitionContext(
        model=None, unlabeled_loader=loaders['unlabeled'], labeled_loader=loaders['labeled'],
        unlabeled_ids=views['unlabeled'].view_ids, labeled_ids=views['labeled'].view_ids,
        seed=0, cycle=cycle, work_dir=work_dir)


def test_auto_delegates_to_the_studys_choice_and_keeps_it(tiny_scenes, tmp_path, write_study):
    study = _study(tmp_path / 'study', 'Random', write_study)
    work_dir = str(tmp_path / 'run')
    ctx = _context(tiny_scenes, work_dir=work_dir)
    selection = ACQUISITIONS.build(dict(type='Auto', study=study)).select(ctx, 6)
    assert selection.ids == RandomAcquisition().select(ctx, 6).ids
    assert selection.info['auto']['acquisition'] == 'RandomAcquisition'
    assert selection.info['auto']['budget'] == '10-10'
    with open(f'{work_dir}/auto_acquisition.json') as f:
        choice = json.load(f)
    assert choice['acquisition'] == 'RandomAcquisition' and choice['cycle'] == 0
    assert choice['tied'] == ['Random']
    assert 0 <= choice['redundancy']['score'] < 1
    assert set(choice['expected_auc']) == {'Random', 'Entropy', 'Coreset'}
    # A later cycle (a fresh object, as each cycle builds one) reads the choice back,
    # even after the study changed.
    _study(tmp_path / 'study', 'Entropy', write_study)
    later_ctx = _context(tiny_scenes, cycle=1, work_dir=work_dir)
    later = ACQUISITIONS.build(dict(type='AutoAcquisition', study=study)).select(later_ctx, 6)
    assert later.ids == RandomAcquisition().select(later_ctx, 6).ids
    assert later.info['auto']['chosen_in_cycle'] == 0


def test_auto_on_the_paper_evidence_records_it_and_the_disagreement(tiny_scenes, tmp_path):
    """By default Auto asks the paper's tables: the tiny pool's long runs (sequence score
    0.9) get Coreset, the digit study's Entropy is recorded as a disagreement. (Only
    the choice: Coreset's selection needs a model.)"""
    work_dir = str(tmp_path / 'run')
    ACQUISITIONS.build(dict(type='Auto')).choose(_context(tiny_scenes, work_dir=work_dir), 6)
    with open(f'{work_dir}/auto_acquisition.json') as f:
        choice = json.load(f)
    assert choice['acquisition'] == 'CoresetAcquisition' and choice['budget'] == '10-10'
    assert choice['redundancy']['method'] == 'sequence'
    assert choice['redundancy']['score'] == pytest.approx(0.9)
    assert choice['placement'].startswith('its sequence-metadata score')
    assert choice['study']['source'].startswith("the paper's real-data Tables 2, 3 and 5")
    assert choice['second_opinion'] == dict(study='digits', best='Entropy', evidence=(
        'the digit-scene study (package data; models trained from scratch)'))
    assert choice['disagreement'].startswith("the paper's tables say Coreset, the digit-scene "
                                             'study says Entropy')


def test_auto_chooses_among_its_candidates_only(tiny_scenes, tmp_path, write_study):
    study = _study(tmp_path / 'study', 'Entropy', write_study)
    auto = ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('Random', 'Coreset')))
    assert auto.candidates == ('RandomAcquisition', 'CoresetAcquisition')
    ctx = _context(tiny_scenes)
    selection = auto.select(ctx, 6)
    # Entropy is the study's best but not a candidate; Random beats Coreset.
    assert selection.info['auto']['acquisition'] == 'RandomAcquisition'
    assert len(selection.ids) == 6 and set(selection.ids) <= set(ctx.unlabeled_ids)


def test_the_batch_aware_methods_are_candidates_by_their_study_names(tiny_scenes, tmp_path,
                                                                      write_study):
    methods = ('Random', 'PowerEntropy', 'BADGE', 'UncertainCoreset')
    study = _study(tmp_path / 'study', 'BADGE', write_study, methods)
    auto = ACQUISITIONS.build(dict(type='Auto', study=study, candidates=methods))
    assert auto.candidates == ('RandomAcquisition', 'PowerEntropyAcquisition',
                               'BADGEAcquisition', 'UncertainCoresetAcquisition')
    assert auto.choose(_context(tiny_scenes), 6)['acquisition'] == 'BADGEAcquisition'


def test_every_candidate_must_fit_the_model(tmp_path, write_study):
    """Any candidate may be chosen after cycle 0, so each is checked before training."""
    study = _study(tmp_path / 'study', 'Entropy', write_study)
    model = torch.nn.Linear(2, 2)  # no decode head: Coreset's default layer is missing
    ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('Random', 'Entropy'))
                       ).check_model(model)
    with pytest.raises(ValueError, match="candidate CoresetAcquisition: feature_layer "
                       "'decode_head.bottleneck' is not a module"):
        ACQUISITIONS.build(dict(type='Auto', study=study)).check_model(model)


def test_bad_auto_configs_are_refused(tmp_path, write_study):
    """As config errors, which tools print as one line, before any training."""
    study = _study(tmp_path / 'study', 'Entropy', write_study)
    with pytest.raises(ConfigError, match='registered acquisitions'):
        ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('NoSuchAcquisition', )))
    with pytest.raises(ConfigError, match='other than Auto'):
        ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('Auto', )))
    with pytest.raises(ConfigError, match='No study results'):
        ACQUISITIONS.build(dict(type='Auto', study=str(tmp_path / 'missing')))
    with pytest.raises(ConfigError, match="'I-S'"):
        ACQUISITIONS.build(dict(type='Auto', study=study, budget='10'))
    # Without a study, the paper's tables shipped with the package.
    assert ACQUISITIONS.build(dict(type='Auto')).study == 'paper'


def test_auto_builds_from_the_registry_alone():
    """A fresh process that imports nothing but the registry builds ``type='Auto'``: the
    registry's locations import the recommender, not an import made by hand."""
    code = ('import sys; from mmseg_al.registry import ACQUISITIONS; '
            "auto = ACQUISITIONS.build(dict(type='Auto')); "
            "print(type(auto).__module__, auto.study, 'mmseg_al.recommend' in sys.modules)")
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert done.stdout.split() == ['mmseg_al.recommend.auto', 'paper', 'True'], done.stderr


@pytest.mark.slow
def test_auto_in_an_experiment_config(al_train, tiny_al_options, tiny_scenes, tmp_path,
                                      write_study):
    """``active_learning.acquisition=dict(type='Auto', ...)`` through tools/al_train.py."""
    study = _study(tmp_path / 'study', 'Random', write_study)
    work_dir = tmp_path / 'run'
    auto = ['active_learning.acquisition.type=Auto']
    al_train([CONFIG, '--work-dir', str(work_dir), '--cfg-options',
              *tiny_al_options(tiny_scenes), *auto, f'active_learning.acquisition.study={study}'])
    with open(work_dir / 'cycle_0' / 'selection.json') as f:
        selection = json.load(f)
    assert selection['acquisition'] == 'AutoAcquisition'
    assert selection['info']['auto']['acquisition'] == 'RandomAcquisition'
    assert selection['info']['auto']['budget'] == '10-10'
    assert (work_dir / 'auto_acquisition.json').is_file()
    # Without study results the run stops before training, with one message.
    with pytest.raises(SystemExit, match='No study results'):
        al_train([CONFIG, '--work-dir', str(tmp_path / 'no_study'), '--cfg-options',
                  *tiny_al_options(tiny_scenes), *auto,
                  f'active_learning.acquisition.study={tmp_path / "missing"}'])
