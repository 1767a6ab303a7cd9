"""Drives a study: skips finished runs, follows running ones, runs the rest on a backend."""
import fcntl
import os
import os.path as osp
import sys
import time
from collections import Counter

from tqdm import tqdm

from mmseg_al.analysis.tables import format_table
from mmseg_al.study.local import process_is_alive
from mmseg_al.study.run import DONE, FAILED, PENDING, RUNNING
from mmseg_al.study.slurm import active_job_ids, job_is_alive

LOCK_FILE = '.study_runner.lock'
STATES = (DONE, RUNNING, FAILED, PENDING)


class StudyLockedError(RuntimeError):
    """Another study runner works on the same study dir."""


def run_statuses(runs):
    """``{run.name: status}`` from the runs' own files (one squeue call at most)."""
    active = {}

    def is_alive(marker):
        if marker.get('backend') == 'slurm':
            if 'jobs' not in active:
                active['jobs'] = active_job_ids()
            return job_is_alive(marker, active['jobs'])
        return process_is_alive(marker)

    return {run.name: run.status(is_alive) for run in runs}


def status_table(runs, statuses=None):
    """The ``--status`` table: one row per run, then the count per state."""
    statuses = statuses or run_statuses(runs)
    rows = []
    for run in runs:
        done, total = run.phases()
        marker = run.marker() or {}
        where = marker.get('job_id') or marker.get('pid') or ''
        note = (f'exit {marker.get("returncode")}' if statuses[run.name] == FAILED else
                f'{marker.get("backend")} {where}' if statuses[run.name] == RUNNING else '')
        rows.append(dict(experiment=run.experiment, seed=run.seed, status=statuses[run.name],
                         phases=f'{done}/{total}', note=note))
    counts = Counter(statuses.values())
    summary = ', '.join(f'{counts.get(s, 0)} {s}' for s in STATES)
    return f'{format_table(rows)}\n\n{len(runs)} runs: {summary}'


class StudyRunner:
    """Runs every unfinished run of a study on one backend, one progress bar over runs.

    A failed run is reported with the last lines of its log and does not stop the
    others. Re-running resumes: finished runs are skipped, interrupted ones continue
    from their last finished phase (al_train.py resumes by itself), runs an earlier
    runner's backend still works on are followed, not started twice.

    Args:
        study_dir (str): the study dir (holds the lock).
        backend: a ``LocalBackend`` or ``SlurmBackend``.
        poll_interval (float, optional): seconds between polls (default: the backend's).
        log_lines (int): lines of a failed run's log to show.
    """

    def __init__(self, study_dir, backend, poll_interval=None, log_lines=15):
        self.study_dir, self.backend = study_dir, backend
        self.poll_interval = poll_interval or backend.poll_interval
        self.log_lines = log_lines

    def _lock(self):
        os.makedirs(self.study_dir, exist_ok=True)
        handle = open(osp.join(self.study_dir, LOCK_FILE), 'a+')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise StudyLockedError(
                f'Another study runner (pid {handle.read().strip() or "?"}) works on '
                f'{self.study_dir}; wait for it, or stop it first.') from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        return handle

    def run(self, runs):
        """Run what is not done; returns ``{status: count}`` at the end."""
        lock = self._lock()
        try:
            return self._run(runs)
        finally:
            lock.close()

    def _run(self, runs):
        statuses = run_statuses(runs)
        # ``initial``, not a first ``update``: tqdm skips refreshes within ``mininterval``
        # of its start, so a log file would show 0/N until the first run ends.
        bar = tqdm(total=len(runs), initial=sum(s == DONE for s in statuses.values()),
                   unit='run', desc='study', dynamic_ncols=True)
        for run in runs:
            if statuses[run.name] == RUNNING:
                marker = run.marker()
                if marker.get('backend') != self.backend.name:
                    raise StudyLockedError(
                        f'{run.name} is running on the {marker.get("backend")} backend '
                        f'({marker}); let it finish or stop it before using '
                        f'--backend {self.backend.name}.')
                self.backend.adopt(run, marker)
            elif statuses[run.name] != DONE:
                self.backend.submit(run)
        failed = []
        try:
            while self.backend.busy:
                for run, returncode in self.backend.poll():
                    if run.is_done():
                        statuses[run.name] = DONE
                        bar.update(1)
                        continue
                    if returncode == 0:  # stopped on purpose, e.g. waiting for human labels
                        statuses[run.name] = PENDING
                        bar.write(f'{run.name} stopped before its last cycle (exit 0); last '
                                  f'lines of {run.log_file}:\n{run.log_tail(3)}\n',
                                  file=sys.stderr)
                        continue
                    statuses[run.name] = FAILED
                    failed.append(run.name)
                    bar.write(f'FAILED {run.name} (exit {returncode}); last lines of '
                              f'{run.log_file}:\n{run.log_tail(self.log_lines)}\n',
                              file=sys.stderr)
                if self.backend.busy:
                    time.sleep(self.poll_interval)
        except KeyboardInterrupt:
            bar.write('Interrupted: stopping the runs; run the same command again to resume.',
                      file=sys.stderr)
            self.backend.cancel()
            raise
        finally:
            bar.close()
        for run in runs:
            if statuses[run.name] not in (DONE, FAILED):
                statuses[run.name] = run.status(lambda marker: False)
        return Counter(statuses.values())
