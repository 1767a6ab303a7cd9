"""The work-dir lock: one driver per work dir, released however its holder ends."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest

from mmseg_al.engine.lock import WorkDirLock, WorkDirLocked, lock_path, lock_work_dir
from mmseg_al.fileio import StateError

HOLD = '''
import sys, time
from mmseg_al.engine.lock import WorkDirLock
WorkDirLock(sys.argv[1], 'a test holder').acquire()
print('held', flush=True)
time.sleep(60)
'''


def test_lock_file_is_hidden_beside_the_work_dir(tmp_path):
    assert lock_path(str(tmp_path / 'runs' / 'entropy/')) == str(tmp_path / 'runs' /
                                                                 '.entropy.lock')


def test_second_holder_is_refused_until_the_first_lets_go(tmp_path):
    work_dir = str(tmp_path / 'run')
    first = WorkDirLock(work_dir, 'tools/al_serve.py').acquire()
    with pytest.raises(WorkDirLocked, match=rf'tools/al_serve.py, pid {os.getpid()}') as err:
        WorkDirLock(work_dir, 'tools/al_train.py').acquire()
    assert isinstance(err.value, StateError)  # the tools print it as one error line
    first.release()
    with WorkDirLock(work_dir, 'tools/al_train.py'):
        pass
    assert not osp.exists(work_dir)  # taking the lock creates nothing inside


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    work_dir = str(tmp_path / 'run')
    holder = subprocess.Popen([sys.executable, '-c', HOLD, work_dir], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b'held'
        with pytest.raises(WorkDirLocked, match=f'a test holder, pid {holder.pid}'):
            lock_work_dir(work_dir, 'tools/al_train.py')
        started = time.monotonic()
        os.kill(holder.pid, signal.SIGKILL)
        lock = WorkDirLock(work_dir, 'tools/al_train.py').acquire(timeout=10)
        assert time.monotonic() - started < 10
        lock.release()
    finally:
        holder.kill()
        holder.wait()


def test_a_child_given_the_descriptor_shares_the_lock(tmp_path):
    work_dir = str(tmp_path / 'run')
    lock = WorkDirLock(work_dir, 'tools/al_serve.py').acquire()
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],
                             pass_fds=(lock.fd, ))
    try:
        lock.release()
        with pytest.raises(WorkDirLocked):  # the child still holds it
            WorkDirLock(work_dir, 'tools/al_train.py').acquire()
        child.kill()
        child.wait()
        WorkDirLock(work_dir, 'tools/al_train.py').acquire(timeout=5).release()
    finally:
        child.kill()
        child.wait()


def _started_then_wait(started, release):
    started.set()
    release.wait(30)


def test_a_forked_worker_does_not_keep_the_lock(tmp_path):
    """A dataloader-style fork that outlives the holder's release leaves the dir free."""
    import multiprocessing
    work_dir = str(tmp_path / 'run')
    lock = WorkDirLock(work_dir, 'test').acquire()
    context = multiprocessing.get_context('fork')
    started, release_child = context.Event(), context.Event()
    child = context.Process(target=_started_then_wait, args=(started, release_child))
    child.start()
    try:
        assert started.wait(30)
        lock.release()
        WorkDirLock(work_dir, 'test').acquire().release()  # free although the child lives
    finally:
        release_child.set()
        child.join()
