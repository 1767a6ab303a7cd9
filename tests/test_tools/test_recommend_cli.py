import os.path as osp

import pytest

from mmseg_al.analysis.recommend import read_study_table, write_study_table

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
    pool = PoolImages.from_folder(f'{tiny_scenes}/img_dir/train')
    score = score_pool(pool)['pixels'].score
    assert score > 0.5
    assert f'pixels    {score:.3f}' in out and 'sequences' in out
    assert 'Recommended: CoresetAcquisition without SSL' in out
    assert 'Coreset-SSL' not in out
    assert f'Rests on: {study}: 12 runs' in out
    tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', '--study', study,
                            *_pool_options(tiny_scenes)])
    assert 'Recommended: CoresetAcquisition with SSL' in capsys.readouterr().out


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
