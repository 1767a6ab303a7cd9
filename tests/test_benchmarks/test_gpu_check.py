"""benchmarks/gpu_check.sh on a CPU: its syntax, its refusal, and every command it would run."""
import importlib.util
import json
import os
import os.path as osp
import shlex
import subprocess

import pytest
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO_ROOT, 'benchmarks', 'gpu_check.sh')


def _load(path):
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(path))[0],
                                                  osp.join(REPO_ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commands(out_dir):
    result = subprocess.run(['bash', SCRIPT, str(out_dir)], capture_output=True, text=True,
                            cwd=REPO_ROOT, env=dict(os.environ, GPU_CHECK_DRY_RUN='1'),
                            check=True)
    return [shlex.split(line) for line in result.stdout.splitlines()]


def test_the_script_parses():
    subprocess.run(['bash', '-n', SCRIPT], check=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason='the refusal without a GPU')
def test_without_a_gpu_it_says_so_in_one_line(tmp_path):
    result = subprocess.run(['bash', SCRIPT, str(tmp_path)], capture_output=True, text=True,
                            cwd=REPO_ROOT)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'gpu_check: no CUDA GPU is visible to torch on this machine; nothing was checked.']


def test_every_benchmark_it_runs_accepts_its_flags(tmp_path, tool):
    commands = _commands(tmp_path)
    scripts = [c for c in commands if c[0] == 'python' and c[1].startswith('benchmarks/')]
    assert {c[1] for c in scripts} == {
        'benchmarks/bench_wrn38.py', 'benchmarks/bench_scoring.py',
        'benchmarks/bench_coreset.py', 'benchmarks/gpu_check_table.py'}
    for command in scripts:
        if command[1] != 'benchmarks/gpu_check_table.py':
            assert _load(command[1]).parse_args(command[2:]).device == 'cuda'
    [ddp] = [c for c in commands if c[:2] == ['bash', 'tools/dist_al_train.sh']]
    args = tool('al_train').parse_args([ddp[2]] + ddp[4:])
    assert osp.isfile(osp.join(REPO_ROOT, ddp[2])) and ddp[3] == '1' and args.amp


@pytest.mark.slow
def test_its_ddp_step_is_a_runnable_experiment_on_its_tiny_digit_scenes(tmp_path, al_train):
    """What the GPU run trains, minus torchrun and --amp: the data step, then the run."""
    commands = _commands(tmp_path)
    [digits] = [c for c in commands if c[:2] == ['python', '-c']]
    subprocess.run(digits, check=True, cwd=REPO_ROOT)
    [ddp] = [c for c in commands if c[:2] == ['bash', 'tools/dist_al_train.sh']]
    argv = [ddp[2]] + [a for a in ddp[4:] if a != '--amp']
    al_train(argv)
    results = json.load(open(tmp_path / 'ddp' / 'results.json'))
    assert [c['num_labeled'] for c in results['cycles']] == [8, 16]


def test_the_table_shows_every_kind_of_row(tmp_path, capsys):
    ddp_dir = tmp_path / 'ddp'
    ddp_dir.mkdir()
    (ddp_dir / 'results.json').write_text(json.dumps(dict(cycles=[dict(mIoU=10.0),
                                                                  dict(mIoU=12.5)])))
    rows = [
        dict(check='train_step', model='DeepLabv3+ WRN-38', crop=[256, 512], batch=8,
             amp=True, channels_last=True, params=1, forward_s=0.05, train_s=0.2,
             peak_mib=9000.0),
        dict(check='scoring', method='Random', amp=False, images_per_s=None, hours_40k=0,
             peak_mib=0.0),
        dict(check='scoring', method='BALD', amp=True, images_per_s=12.5, hours_40k=0.9,
             peak_mib=3000.0),
        dict(check='kcenter', device='cuda', backend='torch', case='40000x256', picks=1000,
             seconds=1.5, per_pick_ms=1.0, extra_mib=50.0),
        dict(check='kcenter', device='cuda', backend='faiss', case='40000x256',
             error='this faiss build sees no GPU; install faiss-gpu'),
        dict(check='scoring', step_failed='exit 124 after at most 60 s; see log'),
        dict(check='ddp', seconds=42, work_dir=str(ddp_dir)),
    ]
    path = tmp_path / 'rows.jsonl'
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    _load('benchmarks/gpu_check_table.py').main([str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('GPU check, ') and len(lines) == 3 + len(rows)
    for line, expected in zip(lines[3:], (
            ['AMP, channels-last', '0.200 s/step', '9000 MiB'], ['Random', 'no model pass'],
            ['BALD AMP', '12.5 images/s', '40,000 images: 54 min'],
            ['torch (cuda)', '1.50 s / 1000 picks'],
            ['faiss-gpu', 'unavailable', 'install faiss-gpu'], ['scoring', 'STEP FAILED'],
            ['DDP smoke', '42 s', 'passed: 2 cycles, mIoU 10.0, 12.5'])):
        assert all(part in line for part in expected), (line, expected)
