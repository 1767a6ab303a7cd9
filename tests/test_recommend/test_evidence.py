import json
from collections import Counter
from pathlib import Path

import pytest

from mmseg_al.analysis.pool_images import PoolImages, score_pool
from mmseg_al.recommend.evidence import (SCORED_BY, check_study, load_evidence, read_study_dir,
                                         table_rows)


def _row(method, ssl='sup', budget='10-10', seed=0, **aucs):
    return dict(experiment=f'{method}_{ssl}_{budget}', seed=seed, pool='P', budget=budget,
                method=method, ssl=ssl, **aucs)


def test_table_rows_keep_the_runs_a_config_can_ask_for():
    """100 % rows have no budget, Random-MCD names no acquisition, and a pretrained run is
    of another regime than the study's: all three left out."""
    table = [_row('Entropy', **{'auc@30': 1.0, 'auc@50': 2.0}),
             _row('Coreset', 'SSL', **{'auc@30': 3.0, 'auc@50': 4.0}),
             _row('RandomAcquisition', None, **{'auc@30': 5.0, 'auc@50': 6.0}),
             _row('Random-MCD', **{'auc@30': 7.0, 'auc@50': 8.0}),
             _row('BALD', budget='5-5', **{'auc@15': 9.0, 'auc@25': 10.0}),
             dict(_row('100%', **{'miou@100': 70.0}), budget=None),
             dict(_row('Entropy', **{'auc@30': 9.0, 'auc@50': 9.0}), regime='pretrained')]
    rows = table_rows(table, supervised='sup')
    # Each budget at the largest B its runs report: AUC@50 at 10-10, AUC@25 at 5-5.
    assert [(r['method'], r['ssl'], r['budget'], r['auc']) for r in rows] == [
        ('EntropyAcquisition', False, '10-10', 2.0), ('CoresetAcquisition', True, '10-10', 4.0),
        ('RandomAcquisition', False, '10-10', 6.0), ('BALDAcquisition', False, '5-5', 10.0)]
    # A run of 10-10 that stopped before AUC@50: its budget is compared at AUC@30.
    short = table_rows(table[:2] + [_row('Random', seed=1, **{'auc@30': 0.5})], 'sup')
    assert [r['auc'] for r in short] == [1.0, 3.0, 0.5]
    assert [r['auc'] for r in table_rows(table, 'sup', auc_budget=30)] == [1.0, 3.0, 5.0]
    with pytest.raises(ValueError, match='reports AUC@40'):
        table_rows(table, 'sup', auc_budget=40)
    # In a study of SSL runs only there is no supervised tag: every tag is SSL.
    assert {r['ssl'] for r in table_rows(table[:2], None)} == {True}


def test_a_study_dir_is_read_through_its_table(tmp_path, write_study):
    runs = [dict(pool=pool, budget='10-10', method=method, ssl=ssl, seed=seed, auc=auc + seed)
            for pool in ('A', 'B') for seed in (0, 1)
            for method, ssl, auc in (('Random', 'sup', 10.0), ('Entropy', 'SSL', 11.0))]
    study = write_study(tmp_path / 'study', runs, redundancy={'A': 0.2, 'B': 0.8, 'C': 0.5})
    evidence = load_evidence(study)
    assert evidence.redundancy == {'A': 0.2, 'B': 0.8}
    assert evidence.source == f'{study}/study_table.csv'
    assert sorted((r['pool'], r['method'], r['ssl'], r['seed'], r['auc'])
                  for r in evidence.rows) == sorted(
        (r['pool'], f"{r['method']}Acquisition", r['ssl'] == 'SSL', r['seed'], r['auc'])
        for r in runs)


def test_a_study_without_its_table_says_how_to_write_it(tmp_path):
    (tmp_path / 'study').mkdir()
    with pytest.raises(FileNotFoundError, match=r'no study_table.csv: write it with '
                       r'`python tools/al_study.py STUDY --report`'):
        check_study(str(tmp_path / 'study'))
    with pytest.raises(FileNotFoundError, match='No study results at .*: give a study dir'):
        load_evidence(str(tmp_path / 'nothing'))
    assert check_study(None) == 'paper'


def _experiment_configs(study, data_root):
    """``<study>/<experiment>/<experiment>.py`` for pools 'all' (every train frame) and
    'every5th', as the study runner writes them (the parts read here)."""
    ids = (data_root / 'train.txt').read_text().split()
    (study / 'every5th.txt').write_text('\n'.join(ids[::5]) + '\n')
    for pool, ann_file in (('all', str(data_root / 'train.txt')),
                           ('every5th', str(study / 'every5th.txt'))):
        for method in ('Random', 'Coreset'):
            name = f'{method}_sup_{pool}_10-10'
            (study / name).mkdir()
            (study / name / f'{name}.py').write_text(
                "train_dataloader = dict(dataset=dict(type='DigitScenesDataset', "
                f"data_root={str(data_root)!r}, ann_file={ann_file!r}, "
                "data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))\n")


def test_each_pool_is_scored_once_from_its_experiments_config(tmp_path, tiny_scenes,
                                                             write_study):
    runs = [dict(pool=pool, budget='10-10', method=method, ssl='sup', seed=0, auc=1.0)
            for pool in ('all', 'every5th') for method in ('Random', 'Coreset')]
    study = tmp_path / 'study'
    write_study(study, runs)
    _experiment_configs(study, Path(tiny_scenes))
    calls = []

    def scorer(dataset_cfg):
        calls.append(dataset_cfg['ann_file'])
        return 0.25 if dataset_cfg['ann_file'].endswith('every5th.txt') else 0.75

    assert read_study_dir(str(study), score_pool=scorer).redundancy == {'all': 0.75,
                                                                         'every5th': 0.25}
    assert len(calls) == 2
    read_study_dir(str(study), score_pool=scorer)
    assert len(calls) == 2  # kept in pool_redundancy.json
    # The default scorer's scores replace another scorer's.
    scores = read_study_dir(str(study)).redundancy
    for pool, ann_file in (('all', f'{tiny_scenes}/train.txt'),
                           ('every5th', str(study / 'every5th.txt'))):
        expected = score_pool(PoolImages.from_dataset_cfg(dict(
            type='DigitScenesDataset', data_root=tiny_scenes, ann_file=ann_file,
            data_prefix=dict(img_path='img_dir/train'))))['features'].score
        assert scores[pool] == pytest.approx(expected)
    assert scores['every5th'] < scores['all']  # every 5th frame is less redundant
    saved = json.loads((study / 'pool_redundancy.json').read_text())
    assert saved == dict(scored_by=SCORED_BY, redundancy=scores)


def test_the_shipped_digit_study():
    """The digits_redundancy grid: 4 pools x 2 budgets x 5 methods x with/without SSL x 3
    seeds, AUC@50 at 10-10 and AUC@25 at 5-5 (values of its study table), each pool with
    its colour score; UncertainCoreset only in the core cells (Pool-0f and Pool-21f at
    10-10), its pretrained runs left out as another regime."""
    evidence = load_evidence('digits')
    cells = Counter((r['pool'], r['budget'], r['method'], r['ssl']) for r in evidence.rows)
    uncertain = {cell: n for cell, n in cells.items()
                 if cell[2] == 'UncertainCoresetAcquisition'}
    grid = {cell: n for cell, n in cells.items() if cell not in uncertain}
    assert len(grid) == 4 * 2 * 5 * 2 and set(grid.values()) == {3}
    assert {r['method'] for r in evidence.rows} - {'UncertainCoresetAcquisition'} == {
        'RandomAcquisition', 'EntropyAcquisition', 'EquALAcquisition', 'BALDAcquisition',
        'CoresetAcquisition'}
    assert set(uncertain) == {(pool, '10-10', 'UncertainCoresetAcquisition', ssl)
                              for pool in ('Pool-0f', 'Pool-21f') for ssl in (False, True)}
    assert set(uncertain.values()) == {3}
    assert evidence.redundancy == pytest.approx({'Pool-Aug': 0.0284, 'Pool-0f': 0.5723,
                                                 'Pool-11f': 0.9034, 'Pool-21f': 0.9364},
                                                abs=1e-4)
    auc = {(r['pool'], r['budget'], r['method'], r['ssl'], r['seed']): r['auc']
           for r in evidence.rows}
    assert auc[('Pool-21f', '10-10', 'EntropyAcquisition', False, 0)] == pytest.approx(27.001)
    assert auc[('Pool-21f', '10-10', 'EntropyAcquisition', True, 0)] == pytest.approx(25.6285)
    assert auc[('Pool-Aug', '5-5', 'CoresetAcquisition', False, 1)] == pytest.approx(10.67)
