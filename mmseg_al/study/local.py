"""Runs a study's experiments as parallel al_train.py processes on this machine."""
import ctypes
import os
import signal
import socket
import subprocess

PR_SET_PDEATHSIG = 1


def available_cores():
    """Cores this process may use (its CPU affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0))


def _die_with_parent():
    # A run must not outlive a killed study runner: a re-run would then start a second
    # al_train.py on the same work dir. Linux only; elsewhere the marker check remains.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def process_is_alive(marker):
    """Whether the local process a ``running`` marker names still runs that work dir."""
    if marker.get('host') != socket.gethostname() or 'pid' not in marker:
        return False
    try:
        with open(f'/proc/{marker["pid"]}/cmdline', 'rb') as f:
            cmdline = f.read().decode(errors='replace')
    except OSError:
        return False
    return marker.get('work_dir', '') in cmdline


class LocalBackend:
    """N al_train.py processes at a time, each with ``threads`` torch threads.

    Args:
        workers (int): runs in parallel.
        threads (int, optional): torch / OpenMP threads per run; default
            ``cores // workers``, so that workers × threads ≤ cores.
    """
    name = 'local'
    poll_interval = 0.1  # a poll is one waitpid(WNOHANG) per child: cheap

    def __init__(self, workers=1, threads=None):
        cores = available_cores()
        if workers < 1 or workers > cores:
            raise ValueError(f'--workers must be between 1 and the {cores} cores this process '
                             f'may use, got {workers}.')
        threads = threads or cores // workers
        if threads < 1 or workers * threads > cores:
            raise ValueError(f'{workers} workers x {threads} threads exceeds the {cores} cores '
                             'this process may use; lower --workers or --threads.')
        self.workers, self.threads, self.cores = workers, threads, cores
        self.queue, self.active, self.adopted = [], {}, {}

    def submit(self, run):
        self.queue.append(run)

    def adopt(self, run, marker):
        """Follow a run that a process started earlier still works on."""
        self.adopted[run.name] = (run, marker)

    @property
    def busy(self):
        return bool(self.queue or self.active or self.adopted)

    def _start(self, run):
        log = run.open_log()
        try:
            process = subprocess.Popen(run.command(), env=run.environment(self.threads),
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        finally:
            log.close()  # the child holds its own descriptor
        run.mark_started(backend=self.name, pid=process.pid, work_dir=run.work_dir)
        self.active[run.name] = (run, process)

    def poll(self):
        """Start queued runs into free slots; the ``(run, returncode)`` that ended since."""
        finished = []
        for name, (run, process) in list(self.active.items()):
            returncode = process.poll()
            if returncode is not None:
                del self.active[name]
                run.mark_finished(returncode)
                finished.append((run, returncode))
        for name, (run, marker) in list(self.adopted.items()):
            if not process_is_alive(marker):
                del self.adopted[name]
                finished.append((run, (run.marker() or {}).get('returncode')))
        while self.queue and len(self.active) + len(self.adopted) < self.workers:
            self._start(self.queue.pop(0))
        return finished

    def cancel(self):
        """Stop every run this backend started; they resume when the study runs again."""
        self.queue.clear()
        for run, process in self.active.values():
            process.terminate()
        for run, process in self.active.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            run.mark_stopped()
        self.active.clear()
