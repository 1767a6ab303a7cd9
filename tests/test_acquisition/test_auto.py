import json
import os.path as osp

import pytest
from mmengine.registry import init_default_scope

from mmseg_al.acquisition.base import AcquisitionContext
from mmseg_al.acquisition.entropy import EntropyAcquisition
from mmseg_al.analysis.recommend import write_study_table
from mmseg_al.datasets import ActiveDataset
from mmseg_al.registry import ACQUISITIONS

from tiny_segmentor import build_tiny_model, query_loader

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'al',
                  'entropy_digits_pool11f.py')


def _study(path, winner):
    """A study of two pools at 10-10 where ``winner`` beats Random, which beats the rest."""
    rows = []
    for pool in ('diverse', 'redundant'):
        for method in ('RandomAcquisition', 'EntropyAcquisition', 'CoresetAcquisition'):
            auc = 18.0 if method == winner else 16.0 if method == 'RandomAcquisition' else 15.0
            for seed in (0, 1):
                rows.append(dict(pool=pool, budget='10-10', method=method, ssl=False, seed=seed,
                                 auc=auc + 0.1 * seed))
    write_study_table(str(path), rows, {'diverse': 0.1, 'redundant': 0.9})
    return str(path)


def _context(tiny_scenes, model, cycle=0, work_dir=None):
    """The tiny pool (60 frames) with 6 labeled at cycle 0 (10 %) and 6 more per cycle."""
    init_default_scope('mmseg_al')
    pool_cfg = dict(type='DigitScenesDataset', data_root=tiny_scenes, ann_file='train.txt',
                    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                    pipeline=[dict(type='LoadImageFromFile'), dict(type='PackSegInputs')])
    ids = ActiveDataset(pool_cfg, view='all').pool_ids
    labeled = {s: min(i // 6, cycle) for i, s in enumerate(ids[:6 * (cycle + 1)])}
    views = {view: ActiveDataset(pool_cfg, labeled=labeled, view=view, with_labels=False)
             for view in ('labeled', 'unlabeled')}
    return AcquisitionContext(
        model=model, unlabeled_loader=query_loader(views['unlabeled']),
        labeled_loader=query_loader(views['labeled']), unlabeled_ids=views['unlabeled'].view_ids,
        labeled_ids=views['labeled'].view_ids, seed=0, cycle=cycle, work_dir=work_dir)


def test_auto_delegates_to_the_studys_choice_and_keeps_it(tiny_scenes, tmp_path):
    model = build_tiny_model()
    study = _study(tmp_path / 'study.csv', 'EntropyAcquisition')
    work_dir = str(tmp_path / 'run')
    ctx = _context(tiny_scenes, model, work_dir=work_dir)
    auto = ACQUISITIONS.build(dict(type='Auto', study=study))
    selection = auto.select(ctx, 6)
    assert selection.ids == EntropyAcquisition().select(ctx, 6).ids
    assert selection.info['auto']['acquisition'] == 'EntropyAcquisition'
    assert selection.info['auto']['budget'] == '10-10'
    with open(f'{work_dir}/auto_acquisition.json') as f:
        choice = json.load(f)
    assert choice['acquisition'] == 'EntropyAcquisition' and choice['cycle'] == 0
    assert 0 <= choice['redundancy']['score'] < 1
    assert set(choice['expected_auc']) == {'Random', 'Entropy', 'Coreset'}
    # A later cycle (a fresh object, as each cycle builds one) reads the choice back,
    # even after the study changed.
    _study(tmp_path / 'study.csv', 'RandomAcquisition')
    later = ACQUISITIONS.build(dict(type='AutoAcquisition', study=study)).select(
        _context(tiny_scenes, model, cycle=1, work_dir=work_dir), 6)
    assert later.info['auto']['acquisition'] == 'EntropyAcquisition'
    assert later.info['auto']['chosen_in_cycle'] == 0


def test_auto_without_a_model_choice_and_restricted_candidates(tiny_scenes, tmp_path):
    study = _study(tmp_path / 'study.csv', 'EntropyAcquisition')
    ctx = _context(tiny_scenes, model=None)
    auto = ACQUISITIONS.build(dict(type='Auto', study=study,
                                   candidates=('RandomAcquisition', 'CoresetAcquisition')))
    selection = auto.select(ctx, 6)
    # Entropy is the study's best but not a candidate; Random needs no model.
    assert selection.info['auto']['acquisition'] == 'RandomAcquisition'
    assert len(selection.ids) == 6 and set(selection.ids) <= set(ctx.unlabeled_ids)


def test_bad_auto_configs_are_refused(tmp_path):
    study = _study(tmp_path / 'study.csv', 'EntropyAcquisition')
    with pytest.raises(ValueError, match='registered acquisitions'):
        ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('NoSuchAcquisition', )))
    with pytest.raises(ValueError, match='other than Auto'):
        ACQUISITIONS.build(dict(type='Auto', study=study, candidates=('Auto', )))
    with pytest.raises(ValueError, match='no study results'):
        ACQUISITIONS.build(dict(type='Auto', study=str(tmp_path / 'missing')))
    with pytest.raises(ValueError, match="'I-S'"):
        ACQUISITIONS.build(dict(type='Auto', study=study, budget='10'))


@pytest.mark.slow
def test_auto_in_an_experiment_config(al_train, tiny_al_options, tiny_scenes, tmp_path):
    """``active_learning.acquisition=dict(type='Auto', ...)`` through tools/al_train.py."""
    study = _study(tmp_path / 'study.csv', 'RandomAcquisition')
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
    with pytest.raises(SystemExit, match='no study results'):
        al_train([CONFIG, '--work-dir', str(tmp_path / 'no_study'), '--cfg-options',
                  *tiny_al_options(tiny_scenes), *auto,
                  f'active_learning.acquisition.study={tmp_path / "missing"}'])
