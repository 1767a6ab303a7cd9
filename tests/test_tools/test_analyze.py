import json
import os.path as osp
import re
import shutil

import pytest


def write_run(tmp_path, name, seed, mious, near=None, all_classes=None, dir_name=None):
    work_dir = tmp_path / (dir_name or f'{name}_s{seed}')
    work_dir.mkdir()
    all_classes = all_classes or [None] * len(mious)
    cycles = [dict(cycle=k, num_labeled=10 * (k + 1), percent_labeled=10.0 * (k + 1), mIoU=m,
                   mIoU_all_classes=all_classes[k], per_class_iou={},
                   selection_diagnostics=None if near is None or k == 0
                   else dict(near_duplicate=near)) for k, m in enumerate(mious)]
    (work_dir / 'results.json').write_text(json.dumps(dict(
        config=f'configs/al/{name}.py', method=name, ssl=None, seed=seed, cycles=cycles,
        auc={'30': 0.1 * sum(mious)}, miou_at={'30': mious[-1]})))
    return str(work_dir)


def cells(line):
    """The cells of a row of the printed table (cells are two or more spaces apart)."""
    return re.split(r'\s{2,}', line.strip())


def test_seeds_are_averaged_per_method(tmp_path, tool, capsys):
    dirs = [write_run(tmp_path, 'random', 0, [10, 20, 30]),
            write_run(tmp_path, 'random', 1, [20, 30, 40]),
            write_run(tmp_path, 'entropy', 0, [10, 25, 35], near=0.5)]
    out = tmp_path / 'curves.png'
    tool('analyze').main([*dirs, '--out', str(out)])
    text = capsys.readouterr().out
    random_row = next(line for line in text.splitlines() if line.startswith('random'))
    entropy_row = next(line for line in text.splitlines() if line.startswith('entropy'))
    # random: 2 seeds, mIoU at 10 % = mean(10, 20) ± std = 15 ± 5; mIoU@30 = 35 ± 5.
    assert cells(random_row)[1] == '2' and '15.00 ± 5.00' in random_row
    assert '35.00 ± 5.00' in random_row
    assert cells(entropy_row)[1] == '1' and '25.00 ± 0.00' in entropy_row
    assert cells(entropy_row)[-1] == '50%'
    assert osp.getsize(out) > 0


def test_missing_results_is_a_clear_error(tmp_path, tool):
    with pytest.raises(SystemExit, match='results.json does not exist'):
        tool('analyze').main([str(tmp_path)])


def test_metric_flag_chooses_the_miou_definition(tmp_path, tool, capsys):
    work_dir = write_run(tmp_path, 'equal', 0, [40, 50, 60], all_classes=[30, 40, 50])
    out = str(tmp_path / 'curves.png')
    for metric, values in (('mIoU', ['40.00', '50.00', '60.00', '10.00', '60.00']),
                           ('mIoU_all_classes', ['30.00', '40.00', '50.00', '8.00', '50.00'])):
        tool('analyze').main([work_dir, '--out', out, '--metric', metric])
        row = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith('equal'))
        # Per cycle, then AUC@30 (trapezoid over 10-30 %: 0.1 * (a + b) / 2 + 0.1 * (b + c) / 2)
        # and mIoU@30, both from the chosen curve.
        assert cells(row)[2:7] == [f'{v} ± 0.00' for v in values], metric


def test_a_run_without_the_chosen_metric_is_a_clear_error(tmp_path, tool):
    work_dir = write_run(tmp_path, 'random', 0, [10, 20])
    with pytest.raises(SystemExit, match='no mIoU_all_classes in cycles'):
        tool('analyze').main([work_dir, '--metric', 'mIoU_all_classes'])


def test_a_seed_counts_once(tmp_path, tool, capsys):
    """Seed 1 and two restarts of seed 2 (moved aside as .old-<time>), and a copy of seed 1:
    two seeds, not five."""
    dirs = [write_run(tmp_path, 'random', 1, [10, 20, 30]),
            write_run(tmp_path, 'random', 2, [20, 30, 40])]
    for stamp in ('20250101-100000', '20250101-110000'):
        dirs.append(write_run(tmp_path, 'random', 2, [0, 0, 0],
                              dir_name=f'random_s2.old-{stamp}'))
    copy = str(tmp_path / 'copy_of_s1')
    shutil.copytree(dirs[0], copy)
    tool('analyze').main([*sorted(dirs), copy, '--out', str(tmp_path / 'c.png')])
    lines = capsys.readouterr().out.splitlines()
    row = cells(next(line for line in lines if line.startswith('random')))
    assert row[1] == '2' and row[2:5] == ['15.00 ± 5.00', '25.00 ± 5.00', '35.00 ± 5.00']
    assert lines[0] == ('left out 2 work dirs that --restart moved aside (not results): '
                        f'{dirs[2]}, {dirs[3]}')
    assert lines[1] == (f'seed 1 of random is in {dirs[0]} and {copy}: counted once, from '
                        f'{dirs[0]}')


def test_only_moved_aside_dirs_is_a_clear_error(tmp_path, tool):
    work_dir = write_run(tmp_path, 'random', 0, [10, 20], dir_name='r.old-20250101-100000')
    with pytest.raises(SystemExit, match='moved aside by --restart'):
        tool('analyze').main([work_dir])
