import json
import os.path as osp

import pytest

from mmseg_al.analysis.recommend import DEFAULT_STUDY, read_study_table, write_study_table

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'al',
                  'random_digits_pool11f.py')


def _study_csv(path):
    """Coreset wins on redundant pools, Random on diverse ones; Coreset-SSL adds 1."""
    rows = []
    for pool, r in (('diverse', 0.0), ('redundant', 1.0)):
        for method, ssl, auc in (('RandomAcquisition', False, 20 - 4 * r),
                                 ('CoresetAcquisition', False, 16 + 4 * r),
                                 ('CoresetAcquisition', True, 17 + 4 * r)):
            for seed in (0, 1, 2):
                rows.append(dict(pool=pool, budget='10-10', method=method, ssl=ssl, seed=seed,
                                 auc=auc + 0.1 * (seed - 1)))
    write_study_table(str(path), rows, {'diverse': 0.0, 'redundant': 1.0})
    return str(path)


def _pool_options(tiny_scenes):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={tiny_scenes}',
            'train_dataloader.dataset.ann_file=train.txt']


def test_recommend_prints_score_choice_and_what_it_rests_on(tiny_scenes, tool, tmp_path, capsys):
    from mmseg_al.analysis.pool_images import PoolImages, score_pool
    study = _study_csv(tmp_path / 'study.csv')
    tool('recommend').main([CONFIG, '--budget', '10-10', '--study', study,
                            *_pool_options(tiny_scenes)])
    out = capsys.readouterr().out
    # The tiny pool holds every frame of 6 sequences of 10: redundant, so Coreset.
    pool = PoolImages.from_dataset_cfg(dict(type='DigitScenesDataset', data_root=tiny_scenes,
                                            ann_file='train.txt',
                                            data_prefix=dict(img_path='img_dir/train')))
    score = score_pool(pool)['features'].score
    assert score > 0.5
    assert f'colour    {score:.3f}' in out and 'sequences' in out
    assert 'Recommended: CoresetAcquisition without SSL' in out
    assert 'Coreset-SSL' not in out
    assert f'Rests on: {osp.relpath(study)}: 12 runs' in out
    tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', '--study', study,
                            *_pool_options(tiny_scenes)])
    assert 'Recommended: CoresetAcquisition with SSL' in capsys.readouterr().out


def test_default_study_is_the_committed_digit_study(tiny_scenes, tool, capsys):
    """Without --study the answer rests on docs/study/digit_study.csv: every run of it."""
    rows = read_study_table(DEFAULT_STUDY)
    pools = {r['pool'] for r in rows}
    assert pools == {'pool0f', 'pool11f', 'pool21f', 'poolaug'}
    assert len({(r['pool'], r['budget'], r['method'], r['ssl'], r['seed'])
                for r in rows}) == len(rows)
    # Every candidate ran at 10-10, so asked there with SSL as an option all rows compete.
    tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', *_pool_options(tiny_scenes)])
    out = capsys.readouterr().out
    assert f'Rests on: {osp.relpath(DEFAULT_STUDY)}: {len(rows)} runs' in out
    methods = {r['method'] for r in rows}
    assert any(f'Recommended: {m} with' in out for m in methods)
    tool('recommend').main(['--validate'])
    held_out = {(r['pool'], r['budget']) for r in rows if r['ssl'] == 'False'}
    assert f'of {len(held_out)} held-out pools' in capsys.readouterr().out


def test_validate_export_and_errors(tiny_scenes, tool, tmp_path, capsys):
    study = _study_csv(tmp_path / 'study.csv')
    tool('recommend').main(['--validate', '--study', study])
    out = capsys.readouterr().out
    assert 'lost_Random' in out and 'held-out pools got their best strategy' in out
    with pytest.raises(SystemExit, match='give CONFIG and --budget'):
        tool('recommend').main([CONFIG, '--study', study])
    with pytest.raises(SystemExit, match='No study results'):
        tool('recommend').main([CONFIG, '--budget', '10-10', '--study', str(tmp_path / 'none'),
                                *_pool_options(tiny_scenes)])
    with pytest.raises(SystemExit, match="'I-S'"):
        tool('recommend').main([CONFIG, '--budget', 'ten', '--study', study,
                                *_pool_options(tiny_scenes)])
    assert len(read_study_table(study)) == 18


def test_export_a_study_folder_as_a_table(tiny_scenes, tool, tmp_path, capsys):
    """Runs laid out as the study runner writes them; pools scored from their images."""
    from mmseg_al.analysis.pool_images import PoolImages, score_pool
    from mmseg_al.datasets.pools import read_pool, write_pool
    ids = read_pool(f'{tiny_scenes}/train.txt')
    pools = {'every5th': ids[::5], 'all': ids}
    for name, pool_ids in pools.items():
        write_pool(str(tmp_path / f'{name}.txt'), pool_ids)
        for method in ('RandomAcquisition', 'CoresetAcquisition'):
            experiment = tmp_path / 'study' / f'{method}_{name}'
            experiment.mkdir(parents=True)
            (experiment / f'{experiment.name}.py').write_text(
                f"train_dataloader = dict(dataset=dict(type='DigitScenesDataset', "
                f"data_root={tiny_scenes!r}, ann_file={str(tmp_path / f'{name}.txt')!r}, "
                "data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))\n")
            (experiment / 'seed_0').mkdir()
            (experiment / 'seed_0' / 'results.json').write_text(json.dumps(dict(
                config=str(experiment / f'{experiment.name}.py'), method=method, ssl=None, seed=0,
                cycles=[dict(percent_labeled=10.0, mIoU=10), dict(percent_labeled=20.0, mIoU=12)],
                auc={'20': 1.1}, miou_at={'20': 12.0})))
    table = str(tmp_path / 'table.csv')
    tool('recommend').main(['--study', str(tmp_path / 'study'), '--export-table', table])
    assert '4 runs written' in capsys.readouterr().out
    rows = read_study_table(table)
    for name in pools:
        pool = PoolImages.from_dataset_cfg(dict(
            type='DigitScenesDataset', data_root=tiny_scenes,
            ann_file=str(tmp_path / f'{name}.txt'), data_prefix=dict(img_path='img_dir/train')))
        expected = score_pool(pool)['features'].score
        assert [float(r['redundancy']) for r in rows if r['pool'] == name] == pytest.approx(
            [expected] * 2)
    assert {r['budget'] for r in rows} == {'10-10'}
    scores = {r['pool']: float(r['redundancy']) for r in rows}
    assert scores['every5th'] < scores['all']  # every 5th frame is less redundant
