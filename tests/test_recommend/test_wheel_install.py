"""The recommender as a user installs it: a wheel in an environment of its own.

The wheel is built from this checkout and installed non-editable into a fresh venv, which
reuses the dependencies of the running one (torch, mmseg, ...) through a path in a
``.pth`` file: a plain path line is not a ``.pth`` of that dir being run, so the
editable install's finder there stays off and ``mmseg_al`` comes from the wheel.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(*command, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_an_installed_wheel_recommends_with_its_default_study(tmp_path, tiny_scenes):
    source = tmp_path / 'source'
    shutil.copytree(REPO / 'mmseg_al', source / 'mmseg_al',
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(REPO / 'requirements', source / 'requirements')
    for name in ('setup.py', 'README.md'):
        shutil.copy(REPO / name, source / name)
    _run(sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index',
         '--wheel-dir', tmp_path / 'wheels', source)
    wheel, = (tmp_path / 'wheels').glob('mmseg_al-*.whl')
    env = tmp_path / 'env'
    python = env / 'bin' / 'python'
    _run(sys.executable, '-m', 'venv', '--without-pip', env)
    _run(sys.executable, '-m', 'pip', '--python', python, 'install', '--no-deps', '--no-index',
         wheel)
    site = _run(python, '-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(site.strip()) / 'dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')

    user = tmp_path / 'elsewhere'  # a working dir outside the checkout
    user.mkdir()
    where = _run(python, '-c', 'import mmseg_al; print(mmseg_al.__file__)', cwd=user)
    assert Path(where.strip()).is_relative_to(env)
    out = _run(python, REPO / 'tools' / 'recommend.py',
               REPO / 'configs' / 'al' / 'random_digits_pool11f.py', '--budget', '10-10',
               '--cfg-options', f'train_dataloader.dataset.data_root={tiny_scenes}',
               'train_dataloader.dataset.ann_file=train.txt', cwd=user)
    # The default evidence is the paper's tables, shipped as package data.
    assert 'Recommended: CoresetAcquisition without SSL' in out
    assert "Rests on: the paper's real-data Tables 2, 3 and 5 (package data" in out
    assert "the paper's tables say Coreset, the digit-scene study says Entropy" in out
