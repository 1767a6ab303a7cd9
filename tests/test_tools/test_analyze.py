import json
import os.path as osp

import pytest


def write_run(tmp_path, name, seed, mious, near=None, all_classes=None):
    work_dir = tmp_path / f'{name}_s{seed}'
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
    assert random_row.split()[1] == '2' and '15.00±5.00' in random_row
    assert '35.00±5.00' in random_row
    assert entropy_row.split()[1] == '1' and '25.00' in entropy_row and '50%' in entropy_row
    assert osp.getsize(out) > 0


def test_missing_results_is_a_clear_error(tmp_path, tool):
    with pytest.raises(SystemExit, match='results.json does not exist'):
        tool('analyze').main([str(tmp_path)])


def test_metric_flag_chooses_the_miou_definition(tmp_path, tool, capsys):
    work_dir = write_run(tmp_path, 'equal', 0, [40, 50, 60], all_classes=[30, 40, 50])
    out = str(tmp_path / 'curves.png')
    for metric, expected in (('mIoU', ['40.00', '50.00', '60.00', '10.00', '60.00']),
                             ('mIoU_all_classes', ['30.00', '40.00', '50.00', '8.00', '50.00'])):
        tool('analyze').main([work_dir, '--out', out, '--metric', metric])
        row = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith('equal'))
        # Per cycle, then AUC@30 (trapezoid over 10-30 %: 0.1 * (a + b) / 2 + 0.1 * (b + c) / 2)
        # and mIoU@30, both from the chosen curve.
        assert row.split()[2:7] == expected, metric


def test_a_run_without_the_chosen_metric_is_a_clear_error(tmp_path, tool):
    work_dir = write_run(tmp_path, 'random', 0, [10, 20])
    with pytest.raises(SystemExit, match='no mIoU_all_classes in cycles'):
        tool('analyze').main([work_dir, '--metric', 'mIoU_all_classes'])
