"""One run of a study (an experiment at one seed) and its status, read from its own files.

The run's own ``al_state.json`` says which phases are finished; ``study_run.json``
(written by whoever launched it) says whether a process or a Slurm job is working on
it or how its last attempt ended. Nothing else is needed to know where a study stands,
so a killed study runner loses nothing.
"""
import os
import os.path as osp
import socket
import sys
import time
from dataclasses import dataclass

import mmseg_al
from mmseg_al.al_state import ALState
from mmseg_al.fileio import StateError, atomic_write_json, read_json
from mmseg_al.work_dir_files import STATE_FILE

DONE, RUNNING, FAILED, PENDING = 'done', 'running', 'failed', 'pending'
MARKER_FILE = 'study_run.json'
LOG_FILE = 'al_train.log'
# The checkout whose package is imported here runs the experiments too.
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.abspath(mmseg_al.__file__)))
AL_TRAIN = osp.join(PACKAGE_ROOT, 'tools', 'al_train.py')


@dataclass
class Run:
    """An experiment config run at one seed in ``work_dir``.

    Args:
        experiment (str): experiment name (its folder in the study dir).
        seed (int): the run's seed.
        config (str): the experiment's generated config file.
        work_dir (str): ``<study dir>/<experiment>/seed_<seed>``.
        num_cycles (int): K of the experiment; the run is done once cycle K is evaluated.
        tags (dict): the experiment's tags.
        amp (bool): train with mixed precision (``al_train.py --amp``; needs a GPU).
    """
    experiment: str
    seed: int
    config: str
    work_dir: str
    num_cycles: int
    tags: dict
    amp: bool = False

    @property
    def name(self):
        return f'{self.experiment}/seed_{self.seed}'

    @property
    def log_file(self):
        return osp.join(self.work_dir, LOG_FILE)

    @property
    def marker_file(self):
        return osp.join(self.work_dir, MARKER_FILE)

    def command(self):
        """The al_train.py command line of this run (resumes by itself when state exists)."""
        return [sys.executable, AL_TRAIN, self.config, '--work-dir', self.work_dir,
                '--seed', str(self.seed)] + (['--amp'] if self.amp else [])

    def environment(self, threads):
        """The child's environment: this checkout's package first, ``threads`` torch threads."""
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (PACKAGE_ROOT, env.get('PYTHONPATH')) if p)
        for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            env[name] = str(threads)
        return env

    # -- what its files say ---------------------------------------------------------
    def phases(self):
        """(finished phases, all phases) from al_state.json; (0, total) before it exists."""
        total = 3 * self.num_cycles + 2  # train + eval per cycle, acquire for all but the last
        path = osp.join(self.work_dir, STATE_FILE)
        if not osp.isfile(path):
            return 0, total
        state = ALState.load(path)
        done = sum(len(state.cycle(k)['done']) for k in range(self.num_cycles + 1))
        return done, total

    def is_done(self):
        path = osp.join(self.work_dir, STATE_FILE)
        return osp.isfile(path) and ALState.load(path).is_done(self.num_cycles, 'eval')

    def marker(self):
        return read_json(self.marker_file, 'Run marker') if osp.isfile(self.marker_file) else None

    def mark_started(self, **where):
        atomic_write_json(self.marker_file, dict(state=RUNNING, host=socket.gethostname(),
                                                 started=time.time(), **where))

    def mark_finished(self, returncode):
        marker = self.marker() or {}
        marker.update(state='finished', returncode=int(returncode), ended=time.time())
        atomic_write_json(self.marker_file, marker)

    def mark_stopped(self):
        """The study runner stopped this run on purpose: it is pending again, not failed."""
        marker = self.marker() or {}
        marker.update(state='stopped', ended=time.time())
        atomic_write_json(self.marker_file, marker)

    def status(self, is_alive):
        """One of done / running / failed / pending.

        Args:
            is_alive (callable): ``marker -> bool``, whether the process or job a
                ``running`` marker names still exists (it may have been killed).
        """
        try:
            if self.is_done():
                return DONE
        except StateError:
            return FAILED
        marker = self.marker()
        if marker is None:
            return PENDING
        if marker['state'] == RUNNING:
            return RUNNING if is_alive(marker) else PENDING
        return FAILED if marker.get('returncode') else PENDING

    def log_tail(self, lines=15):
        if not osp.isfile(self.log_file):
            return f'(no log at {self.log_file})'
        with open(self.log_file, errors='replace') as f:
            return ''.join(f.readlines()[-lines:]).rstrip()

    def open_log(self):
        """The run's log, appended to: every attempt of a resumed run stays readable."""
        os.makedirs(self.work_dir, exist_ok=True)
        log = open(self.log_file, 'a')
        log.write(f'\n===== {time.strftime("%Y-%m-%d %H:%M:%S")} on {socket.gethostname()}: '
                  f'{" ".join(self.command())}\n')
        log.flush()
        return log
