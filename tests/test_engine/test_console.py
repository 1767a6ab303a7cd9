"""compact_console: mmengine's log in full in the work dir, warnings and errors on the console."""
import glob
import os.path as osp
import warnings

import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmseg_al.engine.console import compact_console, console_is_quiet


class _TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.linear(inputs)


def _runner(work_dir, name):
    # Runners built within one second would share mmengine's timestamp-named logger;
    # no default scope, so that none leaks into later tests.
    return Runner(model=_TinyModel(), work_dir=str(work_dir), experiment_name=name,
                  default_scope=None)


def _log_text(runner):
    return open(glob.glob(osp.join(runner.log_dir, '*.log'))[0]).read()


def test_console_keeps_warnings_and_errors_and_the_log_file_everything(tmp_path, capsys):
    with compact_console():
        first = _runner(tmp_path / 'a', 'a')
        first.logger.warning('the same warning')
        second = _runner(tmp_path / 'b', 'b')
        second.logger.info('an info line')
        second.logger.warning('the same warning')
        second.logger.error('an error')
    console = capsys.readouterr().out
    assert 'System environment' not in console and 'an info line' not in console
    assert console.count('the same warning') == 1 and 'an error' in console
    assert console_is_quiet(first.logger) and console_is_quiet(second.logger)
    log = _log_text(second)
    for line in ('System environment', 'Hooks will be executed', 'an info line',
                 'the same warning', 'an error'):
        assert line in log, line
    assert 'the same warning' in _log_text(first)

    # Outside the context mmengine's console is as it was.
    third = _runner(tmp_path / 'c', 'c')
    assert not console_is_quiet(third.logger)
    assert 'System environment' in capsys.readouterr().out


def test_each_python_warning_shows_once(recwarn):
    """Also when the filters change in between, which resets Python's own registry."""
    with compact_console():
        for _ in range(3):
            warnings.warn('deprecated soon', UserWarning)
            warnings.filterwarnings('always', message='unrelated')
        warnings.warn('another', UserWarning)
    warnings.warn('deprecated soon', UserWarning)  # outside: shown again
    assert [str(w.message) for w in recwarn] == ['deprecated soon', 'another', 'deprecated soon']
