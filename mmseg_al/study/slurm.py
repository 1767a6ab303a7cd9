"""Runs a study's experiments as a Slurm job array, submitted through submitit.

Each array task runs one al_train.py command. A task that Slurm preempts or that
reaches its time limit is requeued by submitit (``checkpoint`` resubmits the same
task) and al_train.py resumes from the run's last finished phase and checkpoint; a
task that is cancelled resumes the same way when the study command is run again.
"""
import os
import shutil
import subprocess

from mmseg_al.study.run import PACKAGE_ROOT

try:
    import submitit
    from submitit.helpers import Checkpointable
except ImportError:  # the local backend does not need it
    submitit, Checkpointable = None, object


def active_job_ids():
    """Ids (``<array>_<task>`` or ``<job>``) of this user's jobs Slurm still holds.

    Returns None when ``squeue`` is not available, i.e. this host cannot tell.
    """
    if shutil.which('squeue') is None:
        return None
    out = subprocess.run(['squeue', '--noheader', '--array', '--me', '--format=%i'],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        return None
    return set(out.stdout.split())


def job_is_alive(marker, active=None):
    """Whether the Slurm job a ``running`` marker names is still queued or running."""
    active = active_job_ids() if active is None else active
    return True if active is None else str(marker.get('job_id')) in active


class _RunTask(Checkpointable):
    """The callable submitit pickles into each array task: one al_train.py run."""

    def __init__(self, run, cwd):
        self.run, self.cwd = run, cwd

    def __call__(self):
        os.chdir(self.cwd)
        threads = int(os.environ.get('SLURM_CPUS_PER_TASK', '1'))
        self.run.mark_started(backend=SlurmBackend.name, job_id=_this_job_id(),
                              work_dir=self.run.work_dir)
        log = self.run.open_log()
        process = subprocess.Popen(self.run.command(), env=self.run.environment(threads),
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        log.close()
        try:
            returncode = process.wait()
        except BaseException:  # submitit's requeue on timeout / preemption lands here
            process.terminate()
            process.wait()
            raise
        self.run.mark_finished(returncode)
        if returncode:
            raise RuntimeError(f'{self.run.name} failed (exit {returncode}); see '
                               f'{self.run.log_file}')
        return returncode


def _this_job_id():
    array, task = os.environ.get('SLURM_ARRAY_JOB_ID'), os.environ.get('SLURM_ARRAY_TASK_ID')
    return f'{array}_{task}' if array and task else os.environ.get('SLURM_JOB_ID')


class SlurmBackend:
    """Submits queued runs as one job array per poll; follows them with squeue.

    Args:
        folder (str): where submitit keeps its pickles and the tasks' own logs.
        partition, account (str, optional): Slurm partition and account.
        gpus_per_task (int): GPUs per run (0 on CPU clusters).
        cpus_per_task (int): CPUs per run; also its torch threads.
        time_min (int): time limit of a task, minutes.
        mem_gb (float, optional): memory per task.
        array_parallelism (int): array tasks running at once.
        signal_delay_s (int): how long before the limit a task is warned (and requeued).
        max_requeues (int): requeues of a task after timeouts / preemptions.
    """
    name = 'slurm'
    poll_interval = 5.0  # one squeue call per poll; a cluster's controller is shared

    def __init__(self, folder, partition=None, account=None, gpus_per_task=0, cpus_per_task=1,
                 time_min=60, mem_gb=None, array_parallelism=256, signal_delay_s=120,
                 max_requeues=3):
        if submitit is None:
            raise RuntimeError('--backend slurm needs submitit: pip install submitit '
                               '(requirements/runtime.txt pins it).')
        if shutil.which('sbatch') is None:
            raise RuntimeError('--backend slurm needs Slurm\'s sbatch on PATH; run the study '
                               'on a Slurm login node, or use --backend local.')
        self.executor = submitit.SlurmExecutor(folder=os.path.join(folder, '%j'),
                                               max_num_timeout=max_requeues)
        params = dict(job_name='al_study', time=int(time_min), cpus_per_task=int(cpus_per_task),
                      ntasks_per_node=1, nodes=1, array_parallelism=int(array_parallelism),
                      signal_delay_s=int(signal_delay_s),
                      # the tasks import this checkout, as the local backend's children do
                      setup=[f'export PYTHONPATH={PACKAGE_ROOT}${{PYTHONPATH:+:$PYTHONPATH}}'])
        if partition:
            params['partition'] = partition
        if account:
            params['account'] = account
        if gpus_per_task:
            params['gpus_per_node'] = int(gpus_per_task)
        if mem_gb:
            params['mem'] = f'{mem_gb}GB'
        self.executor.update_parameters(**params)
        self.queue, self.active = [], {}

    def submit(self, run):
        self.queue.append(run)

    def adopt(self, run, marker):
        """Follow a task an earlier study runner submitted."""
        self.active[run.name] = (run, str(marker['job_id']))

    @property
    def busy(self):
        return bool(self.queue or self.active)

    def _flush(self):
        cwd = os.getcwd()
        with self.executor.batch():
            jobs = [self.executor.submit(_RunTask(run, cwd)) for run in self.queue]
        for run, job in zip(self.queue, jobs):
            run.mark_started(backend=self.name, job_id=job.job_id, work_dir=run.work_dir)
            self.active[run.name] = (run, job.job_id)
        self.queue.clear()

    def poll(self):
        """Submit what is queued; the ``(run, returncode)`` whose task left the queue."""
        if self.queue:
            self._flush()
        active = active_job_ids()
        if active is None:
            raise RuntimeError('squeue failed; cannot follow the study\'s Slurm jobs.')
        finished = []
        for name, (run, job_id) in list(self.active.items()):
            if job_id not in active:
                del self.active[name]
                marker = run.marker() or {}
                # A task killed before it could write its exit status counts as failed.
                returncode = marker.get('returncode', 1) if marker.get('state') != 'running' \
                    else 1
                if marker.get('state') == 'running':
                    run.mark_finished(returncode)
                finished.append((run, returncode))
        return finished

    def cancel(self):
        """scancel every task this backend follows; they resume when the study runs again."""
        self.queue.clear()
        if self.active:
            subprocess.run(['scancel', *(job_id for _, job_id in self.active.values())],
                           check=False, timeout=60)
        for run, _ in self.active.values():
            run.mark_stopped()
        self.active.clear()
