"""The tiny study through --backend slurm on a real single-node Slurm on localhost.

The test starts its own munged, slurmctld and slurmd (Debian's slurm-wlm and munge;
.ci/run installs them), runs the study as a submitit job array and checks that its
results equal the local backend's for the same seeds. It stops the daemons it started,
by their pids.
"""
import json
import os
import os.path as osp
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DAEMONS = ('munged', 'slurmctld', 'slurmd')
SLURM_CONF = """\
ClusterName=altest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={dir}/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=localhost CPUs=2 RealMemory=20000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _read_pid(path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if osp.isfile(path) and open(path).read().strip():
            return int(open(path).read().split()[0])
        time.sleep(0.2)
    raise RuntimeError(f'{path} did not appear')


@pytest.fixture(scope='module')
def slurm_cluster(tmp_path_factory):
    missing = [d for d in DAEMONS + ('sbatch', 'squeue') if shutil.which(d) is None]
    if missing:
        if os.environ.get('CI') == 'true':
            pytest.fail(f'CI must run the Slurm test, but {missing} are not installed '
                        '(.ci/run installs slurm-wlm and munge with apt-get).')
        pytest.skip(f'Slurm binaries {missing} are not installed (apt-get install slurm-wlm '
                    'munge); CI runs this test.')
    if os.geteuid() != 0:
        pytest.skip('starting slurmd needs root')
    pytest.importorskip('submitit')
    directory = tmp_path_factory.mktemp('slurm')
    for sub in ('state', 'spool'):
        (directory / sub).mkdir()
    conf = directory / 'slurm.conf'
    conf.write_text(SLURM_CONF.format(dir=directory, ctld_port=_free_port(), d_port=_free_port()))
    previous = os.environ.get('SLURM_CONF')
    os.environ['SLURM_CONF'] = str(conf)
    pids = []
    try:
        subprocess.run(['munged', '--force', f'--socket={directory}/munge.socket',
                        f'--pid-file={directory}/munged.pid', f'--log-file={directory}/munged.log',
                        f'--seed-file={directory}/munged.seed'], check=True, timeout=30)
        pids.append(_read_pid(f'{directory}/munged.pid'))
        subprocess.run(['slurmctld', '-f', str(conf)], check=True, timeout=30)
        pids.append(_read_pid(f'{directory}/slurmctld.pid'))
        subprocess.run(['slurmd', '-f', str(conf)], check=True, timeout=30)
        pids.append(_read_pid(f'{directory}/slurmd.pid'))
        deadline = time.time() + 60
        while time.time() < deadline:
            state = subprocess.run(['sinfo', '-h', '-o', '%T'], capture_output=True, text=True)
            if state.stdout.strip() == 'idle':
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f'the Slurm node did not become idle: {state.stdout}{state.stderr}')
        yield directory
    finally:
        if len(pids) == len(DAEMONS):  # leave no job steps behind the daemons
            subprocess.run(['scancel', '--full', '--user', 'root'], timeout=30)
            deadline = time.time() + 60
            while time.time() < deadline and subprocess.run(
                    ['squeue', '-h'], capture_output=True, text=True).stdout.strip():
                time.sleep(0.5)
        for pid in reversed(pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if previous is None:
            os.environ.pop('SLURM_CONF', None)
        else:
            os.environ['SLURM_CONF'] = previous


def test_slurm_results_equal_the_local_backends(slurm_cluster, local_study, tool, tmp_path,
                                                study_config, study_options, capsys):
    study_dir = tmp_path / 'slurm_study'
    argv = [study_config, '--work-dir', str(study_dir), '--backend', 'slurm', '--cpus-per-task', '1',
            '--time-min', '20', '--cfg-options', *study_options]
    with pytest.raises(SystemExit) as exc:
        tool('al_study').main(argv)
    assert exc.value.code == 1  # the broken experiment fails on Slurm too
    assert 'FAILED broken/seed_1' in capsys.readouterr().err
    for seed in (0, 1):
        local, slurm = (json.load(open(osp.join(d, 'Entropy_tiny', f'seed_{seed}',
                                                'results.json')))
                        for d in (local_study['dir'], study_dir))
        assert slurm['cycles'] == local['cycles']
        assert slurm['auc'] == local['auc'] and slurm['seed'] == seed
        marker = json.load(open(osp.join(study_dir, 'Entropy_tiny', f'seed_{seed}',
                                         'study_run.json')))
        assert marker['backend'] == 'slurm' and marker['returncode'] == 0
    # Re-running submits nothing: every run is done or failed for a reason of its own.
    tool('al_study').main(argv[:3] + ['--status'])
    assert '2 done, 0 running, 2 failed' in capsys.readouterr().out


def test_a_preempted_task_is_requeued_and_resumes(slurm_cluster, local_study, tmp_path,
                                                  study_config, study_options, phases):
    """USR2 is what Slurm sends before a time limit, and submitit's preemption signal."""
    study_dir = tmp_path / 'requeue_study'
    runner = subprocess.Popen(
        [sys.executable, osp.join(REPO_ROOT, 'tools/al_study.py'), study_config, '--work-dir',
         str(study_dir), '--backend', 'slurm', '--time-min', '20', '--cfg-options',
         *study_options], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seed_0 = study_dir / 'Entropy_tiny' / 'seed_0'
        deadline = time.time() + 400
        while ('0', 'train') not in phases(seed_0) and time.time() < deadline:
            assert runner.poll() is None
            time.sleep(0.5)
        job_id = json.load(open(seed_0 / 'study_run.json'))['job_id']
        # scancel keeps retrying while the signalled task is being requeued ("job can not
        # be altered now"); stop it before the task runs again, or it signals that too.
        signal_sender = subprocess.Popen(['scancel', '--signal=USR2', job_id])
        deadline = time.time() + 120
        while time.time() < deadline:
            state = subprocess.run(['squeue', '-h', '--array', '-j', job_id, '-o', '%T %r'],
                                   capture_output=True, text=True).stdout.split()
            if state[:2] == ['PENDING', 'BeginTime']:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f'{job_id} was not requeued: {state}')
        signal_sender.kill()
        signal_sender.wait()
        # Slurm holds a requeued job for two minutes; let it start again now.
        subprocess.run(['scontrol', 'update', f'JobId={job_id}', 'StartTime=now'], check=True,
                       timeout=30)
        assert runner.wait(timeout=600) == 1  # only the broken experiment fails
    finally:
        if runner.poll() is None:
            runner.kill()
    log = open(seed_0 / 'al_train.log').read()
    assert log.count('=====') == 2  # the first attempt was stopped, the requeued one resumed
    assert phases(seed_0)[0] == ('0', 'train')
    local = json.load(open(osp.join(local_study['dir'], 'Entropy_tiny', 'seed_0',
                                    'results.json')))
    assert json.load(open(seed_0 / 'results.json'))['cycles'] == local['cycles']
