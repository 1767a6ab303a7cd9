"""The study runner: a grid of AL experiments × seeds, run locally or on Slurm."""
from mmseg_al.study.experiment import Experiment
from mmseg_al.study.local import LocalBackend
from mmseg_al.study.run import Run
from mmseg_al.study.runner import StudyRunner, run_statuses, status_table
from mmseg_al.study.slurm import SlurmBackend
from mmseg_al.study.study import Study, StudyConfigError

__all__ = ['Experiment', 'LocalBackend', 'Run', 'SlurmBackend', 'Study', 'StudyConfigError',
           'StudyRunner', 'run_statuses', 'status_table']
