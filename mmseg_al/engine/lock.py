"""The work-dir lock: one process drives an experiment's work dir at a time.

``tools/al_train.py`` and ``tools/al_serve.py`` both drive a work dir (train,
import, write state); two of them at once would train the same cycle twice and
interleave state writes. The lock is an advisory ``flock`` on the hidden file
``.<name>.lock`` beside the work dir ``<name>``: outside it, so that ``--restart``
can move the work dir aside while holding it, and hidden, so that a shell glob
over work dirs does not pick it up. The kernel releases
it when the holding process ends, however it ends, so a killed run never leaves
a stale lock; the file itself (naming the last holder) may stay.
"""
import fcntl
import json
import os
import os.path as osp
import socket
import time

from mmengine import dist

from mmseg_al.fileio import StateError


# Descriptors of the locks this process holds. A process forked without exec (a
# dataloader worker) drops its copies at once: otherwise a worker that outlives an
# interrupted run would keep the work dir locked. A child started with ``subprocess``
# (``pass_fds``) runs no at-fork handler and keeps sharing the lock on purpose.
_HELD_FDS = set()


def _drop_held_fds_in_child():
    for fd in _HELD_FDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_FDS.clear()


os.register_at_fork(after_in_child=_drop_held_fds_in_child)


class WorkDirLocked(StateError):
    """Another process drives the work dir."""


def lock_path(work_dir):
    """``<parent>/.<name>.lock``: the lock file of the work dir ``<parent>/<name>``."""
    parent, name = osp.split(osp.normpath(osp.abspath(work_dir)))
    return osp.join(parent, f'.{name}.lock')


class WorkDirLock:
    """An exclusive lock on a work dir, held by this process until released.

    A child process started with the lock's file descriptor (``pass_fds``) shares
    the lock: it stays held until both have ended.

    Args:
        work_dir (str): the experiment's work dir (it need not exist yet).
        holder (str): who holds it, for the message another process gets
            (e.g. ``'tools/al_serve.py'``).
    """

    def __init__(self, work_dir, holder):
        self.work_dir, self.holder = work_dir, holder
        self.path = lock_path(work_dir)
        self.fd = None

    def acquire(self, timeout=0.0):
        """Take the lock, waiting up to ``timeout`` seconds; raise WorkDirLocked if held."""
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WorkDirLocked(
                        f'{self.work_dir} is driven by another process ({self._holder_text()}); '
                        'one of tools/al_train.py and tools/al_serve.py drives a work dir at '
                        'a time. Stop it first, or pass another --work-dir.') from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(dict(holder=self.holder, pid=os.getpid(),
                                      host=socket.gethostname(),
                                      since=time.strftime('%Y-%m-%d %H:%M:%S'))).encode(), 0)
        self.fd = fd
        _HELD_FDS.add(fd)
        return self

    def _holder_text(self):
        try:
            with open(self.path) as f:
                info = json.load(f)
            return f'{info["holder"]}, pid {info["pid"]} on {info["host"]} since {info["since"]}'
        except (OSError, ValueError, KeyError, TypeError):
            return f'see {self.path}'

    def release(self):
        """Let go of the lock (closing the descriptor releases it)."""
        if self.fd is not None:
            _HELD_FDS.discard(self.fd)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self if self.fd is not None else self.acquire()

    def __exit__(self, *exc):
        self.release()


class _NoLock:
    """What ranks other than 0 hold: rank 0 holds the lock for the whole launch."""
    fd = None

    def release(self):
        pass


def lock_work_dir(work_dir, holder, timeout=0.0):
    """Take the work-dir lock on rank 0 (every rank of one launch drives it together)."""
    if dist.get_rank() != 0:
        return _NoLock()
    return WorkDirLock(work_dir, holder).acquire(timeout)
