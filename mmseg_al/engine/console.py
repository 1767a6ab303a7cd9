"""The console of an AL run, for a person: a progress bar per phase and one line per cycle.

mmengine logs each runner's environment, full config and hook table at INFO, to the
console and to ``cycle_<k>/<timestamp>/<timestamp>.log`` alike (about 400 lines a
cycle). ``compact_console`` keeps that file whole and lets only warnings (each once
per run) and errors through to the console; ``CycleProgressHook`` draws the bars
and prints the cycle's summary line.
"""
import contextlib
import logging
import sys
import time
import warnings

from mmengine.hooks import Hook
from mmengine.runner import Runner
from tqdm import tqdm

from mmseg_al.registry import HOOKS


def _console_handlers(logger):
    # A FileHandler is a StreamHandler too; the console handlers are the others.
    return [h for h in logger.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]


def console_is_quiet(logger):
    """Whether mmengine's INFO lines stay off the console (they still reach the log file)."""
    return all(handler.level > logging.INFO for handler in _console_handlers(logger))


class _EachWarningOnce(logging.Filter):
    """Lets a warning through once: every cycle's runner logs the same ones again."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        if record.levelno >= logging.ERROR:
            return True
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def _show_each_once(show):
    """``warnings.showwarning`` that skips a warning already shown from the same line."""
    shown = set()

    def show_once(message, category, filename, lineno, file=None, line=None):
        key = (str(message), category, filename, lineno)
        if key not in shown:
            shown.add(key)
            show(message, category, filename, lineno, file, line)

    return show_once


@contextlib.contextmanager
def compact_console():
    """While active, every Runner built logs to its work dir in full, and to the console
    only warnings and errors; each warning, logged or a Python warning, shows once.

    mmengine sets one level for a runner's console and file handlers and logs the
    environment and config dump inside ``Runner.__init__``, right after building its
    logger, so the console handler is set to WARNING as the logger is built. Python warnings
    (mmseg's deprecations) would show again each cycle: every change of the warning
    filters, which the stack makes, resets Python's "once per location" registry.
    """
    build_logger = Runner.build_logger
    each_warning_once = _EachWarningOnce()

    def build_compact_logger(runner, *args, **kwargs):
        logger = build_logger(runner, *args, **kwargs)
        for handler in _console_handlers(logger):
            handler.setLevel(max(handler.level, logging.WARNING))
            handler.addFilter(each_warning_once)
        return logger

    Runner.build_logger = build_compact_logger
    try:
        with warnings.catch_warnings():  # restores ``showwarning`` on exit
            warnings.showwarning = _show_each_once(warnings.showwarning)
            yield
    finally:
        Runner.build_logger = build_logger


@HOOKS.register_module()
class CycleProgressHook(Hook):
    """Progress bars for a cycle's train and eval phases, then its summary line.

    The bars show only while mmengine's console is quiet (``compact_console``); with
    ``--verbose`` mmengine's own lines report the progress. The summary line (mIoU,
    labeled images, wall time since the runner was built) is printed either way.

    Args:
        cycle (int): k, this cycle.
        num_cycles (int): K, the last cycle.
        num_labeled (int): images labeled for this cycle's training.
        pool_size (int): images in the pool.
    """
    priority = 'VERY_LOW'

    def __init__(self, cycle, num_cycles, num_labeled, pool_size):
        self.cycle, self.num_cycles = cycle, num_cycles
        self.num_labeled, self.pool_size = num_labeled, pool_size
        self.started = time.time()
        self.bar = None

    def _open_bar(self, runner, phase, total, initial=0):
        if runner.rank != 0 or not console_is_quiet(runner.logger):
            return
        # In a log file (Slurm, a study's runs) a bar would be rewritten ten times a second.
        self.bar = tqdm(total=total, initial=initial, unit='iter', leave=False,
                        desc=f'cycle {self.cycle}/{self.num_cycles} {phase}',
                        mininterval=0.1 if sys.stderr.isatty() else 30)

    def _close_bar(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def before_train(self, runner):
        self._open_bar(runner, 'train', runner.max_iters, initial=runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.bar is None:
            return
        self.bar.update()
        if isinstance(outputs, dict) and 'loss' in outputs:
            self.bar.set_postfix(loss=f'{outputs["loss"].item():.3f}', refresh=False)
        if runner.iter + 1 >= runner.max_iters:  # before after_train's acquisition bar
            self._close_bar()

    def after_train(self, runner):
        self._close_bar()

    def before_val_epoch(self, runner):
        self._open_bar(runner, 'eval', len(runner.val_loop.dataloader))

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.bar is not None:
            self.bar.update()

    def after_val_epoch(self, runner, metrics=None):
        self._close_bar()
        if runner.rank != 0:
            return
        miou = (metrics or {}).get('mIoU')
        percent = 100.0 * self.num_labeled / self.pool_size
        print(f'[mmseg_al] cycle {self.cycle}/{self.num_cycles}: '
              f'mIoU {"n/a" if miou is None else f"{miou:.2f}"} with {self.num_labeled} '
              f'labeled ({percent:.1f} %), {time.time() - self.started:.0f} s', flush=True)
