import os.path as osp
import shutil
from pathlib import Path

import pytest

from mmseg_al.analysis.pool_images import PoolImages, score_pool

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'al',
                  'random_digits_pool11f.py')


def _study(path, write_study, coreset=(16, 4)):
    """Random scores 20 - 4r, Coreset a + b r (default 16 + 4r: it wins on redundant
    pools), Coreset-SSL 1 more; 3 seeds around each."""
    runs = []
    for pool, r in (('diverse', 0.0), ('redundant', 1.0)):
        for method, ssl, auc in (('Random', 'sup', 20 - 4 * r),
                                 ('Coreset', 'sup', coreset[0] + coreset[1] * r),
                                 ('Coreset', 'SSL', 1 + coreset[0] + coreset[1] * r)):
            runs += [dict(pool=pool, budget='10-10', method=method, ssl=ssl, seed=seed,
                          auc=auc + 0.1 * (seed - 1)) for seed in (0, 1, 2)]
    return write_study(path, runs, redundancy={'diverse': 0.0, 'redundant': 1.0})


def _pool_options(tiny_scenes):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={tiny_scenes}',
            'train_dataloader.dataset.ann_file=train.txt']


def test_recommend_prints_score_choice_and_what_it_rests_on(tiny_scenes, tool, tmp_path,
                                                           capsys, write_study):
    study = _study(tmp_path / 'study', write_study)
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
    assert 'Recommended: CoresetAcquisition without SSL (ahead of the next by' in out
    assert 'Coreset-SSL' not in out
    assert f'Rests on: {study}/study_table.csv: 12 runs' in out
    tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', '--study', study,
                            *_pool_options(tiny_scenes)])
    assert 'Recommended: CoresetAcquisition with SSL' in capsys.readouterr().out


def test_a_tie_is_reported_as_a_tie(tiny_scenes, tool, tmp_path, capsys, write_study):
    """Coreset scores what Random scores on every pool: the answer names both."""
    study = _study(tmp_path / 'study', write_study, coreset=(20, -4))
    tool('recommend').main([CONFIG, '--budget', '10-10', '--study', study,
                            *_pool_options(tiny_scenes)])
    out = capsys.readouterr().out
    assert 'Recommended: a tie between Coreset and Random (expected AUC@B ' in out
    assert 'each): either is fine' in out
    assert 'Recommended: CoresetAcquisition' not in out


def test_the_digit_study_on_request(tiny_scenes, tool, capsys):
    """``--study digits``: asked at 10-10 with SSL as an option every one of its 252 AL
    runs competes (all 12 candidates ran at 10-10); the paper's answer differs."""
    tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', '--study', 'digits',
                            *_pool_options(tiny_scenes)])
    out = capsys.readouterr().out
    assert 'Rests on: the digit-scene study (package data; models trained from scratch): ' \
           '252 runs, pools (redundancy) Pool-Aug (0.028), Pool-0f (0.572), Pool-11f (0.903), ' \
           'Pool-21f (0.936)' in out
    assert 'placed at 0.900 by its colour score, the score the study pools got' in out
    assert 'Recommended: EntropyAcquisition without SSL' in out
    assert ("Disagreement: the digit-scene study says Entropy, the paper's tables say "
            'Coreset-SSL') in out
    tool('recommend').main(['--validate', '--study', 'digits'])
    assert '8 of 8 held-out pools got their best strategy' in capsys.readouterr().out


def test_the_paper_is_the_default_and_gives_its_batch_answer_on_long_runs(
        tiny_scenes, tool, capsys):
    """The tiny pool holds every frame of 6 sequences of 10 (sequence score 0.9): long
    consecutive runs, where the paper's redundant pools had Coreset-SSL best."""
    for study in ([], ['--study', 'paper']):
        tool('recommend').main([CONFIG, '--budget', '10-10', '--ssl', *study,
                                *_pool_options(tiny_scenes)])
        out = capsys.readouterr().out
        assert "Evidence: the paper's real-data Tables 2, 3 and 5" in out
        assert 'placed at 0.900 by its sequence-metadata score (manifest)' in out
        assert 'Recommended: CoresetAcquisition with SSL' in out
        assert "Disagreement: the paper's tables say Coreset-SSL, the digit-scene study " \
               'says Entropy' in out
        assert ("Rests on: the paper's real-data Tables 2, 3 and 5 (package data: "
                'ImageNet-pretrained WRN-38 DeepLabv3+ on Cityscapes, PASCAL-VOC and A2D2 '
                'pools): 80 runs, pools (redundancy) Cityscapes (0.000), PASCAL-VOC (0.000), '
                'Pool-0f (0.135)') in out
        assert 'seeds means of 3 (the paper reports means only)' in out
    tool('recommend').main([CONFIG, '--budget', '10-10', *_pool_options(tiny_scenes)])
    assert 'Recommended: CoresetAcquisition without SSL' in capsys.readouterr().out


def test_the_paper_on_a_scattered_pool_and_on_a_pool_without_metadata(
        tiny_scenes, tool, tmp_path, capsys):
    """Every 5th frame (no two within 2 frames): sequence score 0, the paper's diverse
    end, where single-sample Entropy led. Without manifest.csv the colour score places
    the pool, and the answer says how far it agreed with the sequence score."""
    ids = (Path(tiny_scenes) / 'train.txt').read_text().split()
    (tmp_path / 'every5th.txt').write_text('\n'.join(ids[::5]) + '\n')
    tool('recommend').main([CONFIG, '--budget', '10-10', '--study', 'paper',
                            '--cfg-options', f'train_dataloader.dataset.data_root={tiny_scenes}',
                            f'train_dataloader.dataset.ann_file={tmp_path / "every5th.txt"}'])
    out = capsys.readouterr().out
    assert 'sequences 0.000' in out and 'placed at 0.000 by its sequence-metadata' in out
    assert 'Recommended: EntropyAcquisition without SSL' in out
    bare = tmp_path / 'no_manifest'
    shutil.copytree(tiny_scenes, bare)
    (bare / 'manifest.csv').unlink()
    tool('recommend').main([CONFIG, '--budget', '10-10', *_pool_options(str(bare))])
    out = capsys.readouterr().out
    assert 'sequences' not in out
    assert 'by its colour score, as it has no sequence metadata (manifest.csv)' in out
    assert 'within 0.025 of the sequence score on Pool-5f/11f/21f' in out


def test_validate_and_errors(tiny_scenes, tool, tmp_path, capsys, write_study):
    study = _study(tmp_path / 'study', write_study)
    tool('recommend').main(['--validate', '--study', study])
    out = capsys.readouterr().out
    # Fitted on the other pool alone, each held-out pool gets that pool's winner, which
    # is 4 AUC below its own.
    assert 'lost_Random' in out
    assert '0 of 2 held-out pools got their best strategy; mean AUC@B lost against the ' \
           'best: 4.000' in out
    with pytest.raises(SystemExit, match='^error: give CONFIG and --budget'):
        tool('recommend').main([CONFIG, '--study', study])
    with pytest.raises(SystemExit, match='^error: No study results'):
        tool('recommend').main([CONFIG, '--budget', '10-10', '--study', str(tmp_path / 'none'),
                                *_pool_options(tiny_scenes)])
    (tmp_path / 'unreported').mkdir()
    with pytest.raises(SystemExit, match='tools/al_study.py STUDY --report'):
        tool('recommend').main(['--validate', '--study', str(tmp_path / 'unreported')])
    with pytest.raises(SystemExit, match="^error: A budget is 'I-S'"):
        tool('recommend').main([CONFIG, '--budget', 'ten', '--study', study,
                                *_pool_options(tiny_scenes)])
