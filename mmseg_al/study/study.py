"""A study: a grid of AL experiments × seeds declared in one mmengine config.

A study config declares ``axes`` whose product gives the experiments (e.g. method ×
SSL × pool × budget), optional explicit ``experiments`` (e.g. the 100 % rows), the
``seeds``, overrides applied to every run (``cfg_options``) and cluster settings
(``slurm``). Every axis value and experiment names ``_base_`` configs and/or dotted
overrides; the study writes one leaf config per experiment and runs it per seed in
``<study dir>/<experiment>/seed_<s>/`` with tools/al_train.py.
"""
import itertools
import os.path as osp
import re
import time

from mmengine.config import Config

from mmseg_al.analysis.study_table import STUDY_FILE, select_study
from mmseg_al.fileio import atomic_write_json
from mmseg_al.study.experiment import Experiment
from mmseg_al.study.run import Run

KNOWN_KEYS = {'name', 'seeds', 'axes', 'experiments', 'cfg_options', 'slurm', 'report'}
VALUE_KEYS = {'configs', 'options'}
EXPERIMENT_KEYS = {'name', 'configs', 'options', 'tags'}
SLURM_DEFAULTS = dict(partition=None, account=None, gpus_per_task=0, cpus_per_task=1,
                      time_min=60, mem_gb=None, array_parallelism=256, signal_delay_s=120)
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.%+-]*$')


class StudyConfigError(ValueError):
    """A study config that cannot be expanded into runs."""


def _check_name(name, where):
    if not isinstance(name, str) or not _NAME.match(name):
        raise StudyConfigError(f'{where}: {name!r} is not a usable name (letters, digits and '
                               '_ . % + -, starting with a letter or digit).')
    return name


class Study:
    """The experiments and runs a study config declares.

    Args:
        config (str): the study config file.
        work_dir (str, optional): the study dir (default ``work_dirs/<name>``).
        cfg_options (dict, optional): dotted overrides for every run, applied after the
            study's own ``cfg_options`` (e.g. from the command line).
        amp (bool): every run trains with mixed precision (``al_train.py --amp``).
    """

    def __init__(self, config, work_dir=None, cfg_options=None, amp=False):
        if not osp.isfile(config):
            raise StudyConfigError(f'Study config {config} does not exist.')
        self.config_file = osp.abspath(config)
        cfg = Config.fromfile(config).to_dict()
        unknown = {k for k in cfg if not k.startswith('_')} - KNOWN_KEYS
        if unknown:
            raise StudyConfigError(f'{config}: unknown keys {sorted(unknown)}; a study config '
                                   f'has {sorted(KNOWN_KEYS)} (helper names start with _).')
        self.name = _check_name(cfg.get('name') or osp.splitext(osp.basename(config))[0],
                                f'{config}: name')
        self.work_dir = osp.abspath(work_dir or osp.join('work_dirs', self.name))
        self.seeds = list(cfg.get('seeds', [0]))
        if not self.seeds or not all(isinstance(s, int) for s in self.seeds):
            raise StudyConfigError(f'{config}: seeds must be a non-empty list of ints, got '
                                   f'{self.seeds!r}.')
        # Precedence: the study's cfg_options < an axis value's or experiment's options
        # < cfg_options given here (the command line).
        self.base_options = dict(cfg.get('cfg_options', {}))
        self.cli_options = dict(cfg_options or {})
        self.amp = amp
        unknown = set(cfg.get('slurm', {})) - set(SLURM_DEFAULTS)
        if unknown:
            raise StudyConfigError(f'{config}: unknown slurm settings {sorted(unknown)}; known: '
                                   f'{sorted(SLURM_DEFAULTS)}.')
        self.slurm = {**SLURM_DEFAULTS, **cfg.get('slurm', {})}
        self.report = dict(cfg.get('report', {}))
        self.experiments = self._grid(cfg.get('axes', {})) + [
            self._explicit(e, i) for i, e in enumerate(cfg.get('experiments', []))]
        if not self.experiments:
            raise StudyConfigError(f'{config} declares no experiments: give axes or '
                                   'experiments.')
        names = [e.name for e in self.experiments]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise StudyConfigError(f'{config}: experiment names repeat: {duplicates}.')

    # -- expansion -------------------------------------------------------------------
    def _configs(self, configs, where):
        configs = [configs] if isinstance(configs, str) else list(configs)
        resolved = []
        for path in configs:
            full = osp.normpath(osp.join(osp.dirname(self.config_file), path))
            if not osp.isfile(full):
                raise StudyConfigError(f'{where}: config {path} does not exist (looked at '
                                       f'{full}; paths are relative to the study config).')
            resolved.append(full)
        return resolved

    def _grid(self, axes):
        if not axes:
            return []
        values = []
        for axis, choices in axes.items():
            if not isinstance(choices, dict) or not choices:
                raise StudyConfigError(f'axes.{axis} must map value names to '
                                       'dict(configs=..., options=...), got '
                                       f'{choices!r}.')
            for value, spec in choices.items():
                _check_name(value, f'axes.{axis}')
                if not isinstance(spec, dict) or set(spec) - VALUE_KEYS:
                    raise StudyConfigError(f'axes.{axis}.{value} must be a dict with keys '
                                           f'{sorted(VALUE_KEYS)}, got {spec!r}.')
            values.append([(axis, value, spec) for value, spec in choices.items()])
        experiments = []
        for combination in itertools.product(*values):
            configs, options = [], dict(self.base_options)
            for axis, value, spec in combination:
                configs += self._configs(spec.get('configs', []), f'axes.{axis}.{value}')
                options.update(spec.get('options', {}))
            options.update(self.cli_options)
            if not configs:
                raise StudyConfigError('An experiment of the axes has no configs: give one '
                                       'axis (e.g. method) an experiment config.')
            experiments.append(Experiment(
                name='_'.join(value for _, value, _ in combination), configs=configs,
                options=options, tags={axis: value for axis, value, _ in combination}))
        return experiments

    def _explicit(self, spec, index):
        where = f'experiments[{index}]'
        if not isinstance(spec, dict) or set(spec) - EXPERIMENT_KEYS or 'name' not in spec:
            raise StudyConfigError(f'{where} must be a dict with a name and keys from '
                                   f'{sorted(EXPERIMENT_KEYS)}, got {spec!r}.')
        configs = self._configs(spec.get('configs', []), where)
        if not configs:
            raise StudyConfigError(f'{where} ({spec["name"]}) names no configs.')
        return Experiment(name=_check_name(spec['name'], where), configs=configs,
                          options={**self.base_options, **spec.get('options', {}),
                                   **self.cli_options},
                          tags=dict(spec.get('tags', {})))

    # -- on disk ---------------------------------------------------------------------
    def runs(self, refresh=True, only=None):
        """Write every experiment config and study.json; the runs in grid order.

        Args:
            refresh (bool): rewrite configs and study.json that exist (to run the study);
                False keeps them, to look at the study as it was run.
            only (dict, optional): ``{tag or 'seed': [values]}``: return the runs of that
                part of the grid (``select_study``); the configs and study.json written
                are still the whole study's.
        """
        part = select_study(dict(seeds=self.seeds, experiments=[
            dict(name=e.name, tags=e.tags) for e in self.experiments]), only)
        chosen = {(e['name'], seed) for e in part['experiments'] for seed in part['seeds']}
        runs, ssl_models = [], []
        for experiment in self.experiments:
            directory = osp.join(self.work_dir, experiment.name)
            config = experiment.write_config(directory, refresh)
            num_cycles, ssl_model = experiment.read_settings(config)
            ssl_models.append(ssl_model)
            runs += [Run(experiment.name, seed, config, osp.join(directory, f'seed_{seed}'),
                         num_cycles, dict(experiment.tags), self.amp)
                     for seed in self.seeds if (experiment.name, seed) in chosen]
        study_file = osp.join(self.work_dir, STUDY_FILE)
        if not refresh and osp.isfile(study_file):
            return runs
        atomic_write_json(study_file, dict(
            name=self.name, config=self.config_file, seeds=self.seeds, report=self.report,
            written=time.strftime('%Y-%m-%d %H:%M:%S'),
            experiments=[dict(name=e.name, tags=e.tags, ssl_model=ssl_model)
                         for e, ssl_model in zip(self.experiments, ssl_models)]))
        return runs
