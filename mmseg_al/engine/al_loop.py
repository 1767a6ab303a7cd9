"""The one outer driver of an AL experiment: for each cycle train, evaluate, acquire.

Each cycle builds a fresh mmengine ``Runner`` with its own work dir
(``cycle_<k>/``), so optimiser, scheduler, sampler and dataloader workers start
clean and see the cycle's labeled set; mmengine samplers fix their size when
built, so the training set is never changed inside a running Runner.

Every phase is recorded in ``al_state.json`` when it ends, and every phase can be
re-entered: re-running the same command continues where it stopped and ends
with the same labeled sets and results as an uninterrupted run.
"""
import copy
import gc
import glob
import hashlib
import itertools
import json
import os
import os.path as osp
import re
import time
import zipfile

import torch
from mmengine import dist
from mmengine.runner import Runner

from mmseg_al.acquisition.pooled_features import named_layer
from mmseg_al.al_state import ALState
from mmseg_al.config_error import ConfigError
from mmseg_al.datasets.active_dataset import ActiveDataset
from mmseg_al.datasets.ssl_dataloader import apply_ssl, without_label_loading
from mmseg_al.engine.acquire import select_batch
from mmseg_al.engine.cycle_schedule import check_stretchable, cycle_iterations, fit_schedule
from mmseg_al.engine.environment import run_environment
from mmseg_al.engine.hooks.reset_backbone_hook import pretrained_backbones
from mmseg_al.engine.results import write_results
from mmseg_al.fileio import StateError, atomic_write_text, read_json
from mmseg_al.models.segmentors import inference_segmentor
from mmseg_al.oracle import WaitingForLabels, build_oracle
from mmseg_al.registry import ACQUISITIONS, MODELS
from mmseg_al.work_dir_files import (LABELED_FILE, RESULTS_FILE, SELECTION_FILE, STATE_FILE,
                                     cycle_dir)

AL_DEFAULTS = dict(
    initial=10,  # I: labeled at random before cycle 0 (percent of the pool, or images)
    step=10,  # S: added by each acquisition
    num_cycles=4,  # K: acquisitions; the model is trained K + 1 times
    unit='percent',  # or 'images'
    acquisition=dict(type='RandomAcquisition'),
    # 'retrain': every cycle from the model's init; 'finetune': from the previous cycle's
    # weights; 'reset_backbone' (the study's authors): the backbone from its pretrained
    # init_cfg, everything else from the previous cycle's weights.
    training='retrain',
    # None: train_cfg.max_iters per cycle. E: ceil(E x labeled / global batch) iterations,
    # the schedule stretched to them (engine/cycle_schedule.py), as the authors train.
    epochs_per_cycle=None,
    query_batch_size=16,
    report_budgets=(30, 50),  # B of mIoU@B and AUC@B, in percent
    keep_checkpoints='last',  # or 'all'
    # Save pooled features of the pool at each acquisition (cycle_<k>/pool_features.npz),
    # e.g. for a t-SNE of labeled vs unlabeled images; the layer Coreset would use.
    save_pool_features=False,
    feature_layer='decode_head.bottleneck',
    # Who labels a batch: 'dataset' (the labels exist: simulated AL) or 'human'
    # (export, stop, import; a dict adds HumanOracle options, e.g. image_url).
    oracle='dataset',
)
TRAINING_MODES = ('retrain', 'finetune', 'reset_backbone')
_RUNNER_NUMBERS = itertools.count()  # makes each Runner's experiment name unique


def resume_point(cycle_dir):
    """The checkpoint a killed train phase resumes from; None: train the phase afresh.

    mmengine's CheckpointHook removes the previous checkpoint *before* it writes the
    next one and updates ``last_checkpoint`` only after, so a kill in between leaves
    ``last_checkpoint`` naming a file that is gone. The newest complete checkpoint still
    on disk, if any, is then the place to resume; one the kill cut short (torch saves a
    zip archive, whose directory is written last) is passed over.
    """
    pointer = osp.join(cycle_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        named = f.read().strip()
    if osp.isfile(named):
        return named
    saved = [(int(m.group(1)), path) for path in glob.glob(osp.join(cycle_dir, 'iter_*.pth'))
             if (m := re.search(r'iter_(\d+)\.pth$', path)) and zipfile.is_zipfile(path)]
    return max(saved)[1] if saved else None


def config_hash(cfg):
    """Hash of everything that defines the experiment (not where it is written)."""
    content = {k: v for k, v in cfg.to_dict().items() if k not in ('work_dir', 'launcher')}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def budget_sizes(al_cfg, pool_size):
    """Number of images labeled initially and added per cycle, validated."""
    initial, step, cycles = al_cfg['initial'], al_cfg['step'], al_cfg['num_cycles']
    if al_cfg['unit'] == 'percent':
        n_initial = int(round(pool_size * initial / 100))
        n_step = int(round(pool_size * step / 100))
    elif al_cfg['unit'] == 'images':
        n_initial, n_step = int(initial), int(step)
    else:
        raise ConfigError(f"active_learning.unit must be 'percent' or 'images', "
                         f"got {al_cfg['unit']!r}.")
    if n_initial < 1 or n_step < 1 or cycles < 0:
        raise ConfigError(f'active_learning needs initial and step of at least one image and '
                         f'num_cycles >= 0; got {n_initial} images, {n_step} images, '
                         f'{cycles} cycles for a pool of {pool_size}.')
    total = n_initial + cycles * n_step
    if total > pool_size:
        raise ConfigError(
            f'The budget is larger than the pool: {initial}+{cycles}x{step} '
            f"({al_cfg['unit']}) needs {total} images but the pool has {pool_size}. "
            'Lower active_learning.num_cycles, initial or step, or use a larger pool.')
    return n_initial, n_step


class ALLoop:
    """Runs (or resumes) one AL experiment described by an mmseg config.

    The config is an ordinary MMSeg training config whose
    ``train_dataloader.dataset`` is the *pool*, plus an ``active_learning`` block
    (see ``AL_DEFAULTS``).

    Args:
        cfg (mmengine.Config): the experiment config, ``work_dir`` set.
        seed (int): seed of the initial random set, random acquisition and training.
    """

    def __init__(self, cfg, seed=0):
        self.cfg = cfg
        self.work_dir = cfg.work_dir
        self.seed = seed
        self.al_cfg = {**AL_DEFAULTS, **cfg.get('active_learning', {})}
        if self.al_cfg['training'] not in TRAINING_MODES:
            raise ConfigError(f"active_learning.training must be one of {TRAINING_MODES}, got "
                             f"{self.al_cfg['training']!r}.")
        epochs = self.al_cfg['epochs_per_cycle']
        if epochs is not None:
            if isinstance(epochs, bool) or not isinstance(epochs, (int, float)) or epochs <= 0:
                raise ConfigError('active_learning.epochs_per_cycle must be a positive number '
                                  f'or None, got {epochs!r}.')
            check_stretchable(cfg)
        acquisition_type = self.al_cfg['acquisition'].get('type')
        if ACQUISITIONS.get(acquisition_type) is None:
            known = ', '.join(sorted(ACQUISITIONS.module_dict))
            raise ConfigError(f'Unknown acquisition {acquisition_type!r} in '
                           f'active_learning.acquisition. Known: {known}.')
        self.state_path = osp.join(self.work_dir, STATE_FILE)
        self.pool = ActiveDataset(copy.deepcopy(cfg.train_dataloader.dataset), view='all')
        self.n_initial, self.n_step = budget_sizes(self.al_cfg, len(self.pool.pool_ids))
        self.num_cycles = self.al_cfg['num_cycles']
        query_dataset = copy.deepcopy(cfg.train_dataloader.dataset)
        query_dataset['pipeline'] = without_label_loading(cfg.test_pipeline)  # never reads labels
        self.query_dataloader = dict(batch_size=self.al_cfg['query_batch_size'],
                                     num_workers=cfg.train_dataloader.get('num_workers', 0),
                                     dataset=query_dataset)
        try:
            self.oracle = build_oracle(self.al_cfg['oracle'], work_dir=self.work_dir,
                                       query_dataset=query_dataset,
                                       batch_size=self.al_cfg['query_batch_size'])
        except (TypeError, ValueError) as err:
            raise ConfigError(f'active_learning.oracle: {err}') from err
        if self.num_cycles:
            self._check_acquisition()
        self.state = self._load_or_init_state()

    def _check_acquisition(self):
        """Fail on an acquisition the model cannot serve now, before anything is trained."""
        acquisition_cfg = self.al_cfg['acquisition']
        try:
            acquisition = ACQUISITIONS.build(acquisition_cfg)
        except (TypeError, ValueError) as err:
            raise ConfigError(f'active_learning.acquisition: {err}') from err
        # The segmentor an SSL wrapper would query is built from this config too.
        model = inference_segmentor(MODELS.build(self.cfg.model))
        try:
            acquisition.check_model(model)
        except ValueError as err:
            raise ConfigError(f'active_learning.acquisition ({acquisition_cfg["type"]}): '
                              f'{err}') from err
        if self.al_cfg['save_pool_features']:
            try:
                named_layer(model, self.al_cfg['feature_layer'])
            except ValueError as err:
                raise ConfigError(f'active_learning.save_pool_features: {err}') from err
        if self.al_cfg['training'] == 'reset_backbone':
            try:
                pretrained_backbones(model)
            except ValueError as err:
                raise ConfigError(f"active_learning.training='reset_backbone': {err}") from err

    # -- state ----------------------------------------------------------------
    def _load_or_init_state(self):
        digest = config_hash(self.cfg)
        exists = osp.isfile(self.state_path)
        dist.barrier()  # every rank looks before rank 0 may write the file
        if exists:
            state = ALState.load(self.state_path)
            if state.config_hash != digest or state.seed != self.seed:
                raise StateError(
                    f'{self.work_dir} holds an experiment with another config or seed '
                    f'(seed {state.seed}). Re-run with that config and seed to resume it, '
                    'pass --restart to start over (the old run is kept), or pass another '
                    '--work-dir.')
            self.pool.load_state_dict(dict(labeled=state.labeled))
            return state
        # The seeded initial set is the same on every rank; rank 0 writes it.
        state = ALState(self.state_path, self.seed, digest)
        self.pool.label(self.oracle.initial_ids(self.pool, self.n_initial, self.seed), cycle=0)
        state.labeled = self.pool.state_dict()['labeled']
        if dist.get_rank() == 0:
            self._write_added(0)
            state.save()
        dist.barrier()
        return state

    def _cycle_dir(self, k):
        return cycle_dir(self.work_dir, k)

    def _write_added(self, k):
        added = [s for s in self.pool.pool_ids if self.pool.labeled_at.get(s) == k]
        atomic_write_text(osp.join(self._cycle_dir(k), LABELED_FILE), '\n'.join(added) + '\n')

    def _mark_done(self, k, phase, **record):
        if dist.get_rank() == 0:
            self.state.mark_done(k, phase, **record)
        dist.barrier()

    # -- one cycle --------------------------------------------------------------
    def _runner_cfg(self, k):
        cfg = copy.deepcopy(self.cfg)
        cfg.pop('active_learning', None)
        cfg.work_dir = self._cycle_dir(k)
        cfg.randomness = dict(seed=self.seed, **{
            key: v for key, v in cfg.get('randomness', {}).items() if key != 'seed'})
        pool_cfg = cfg.train_dataloader.dataset
        cfg.train_dataloader.dataset = dict(type='ActiveDataset', dataset=pool_cfg,
                                            state_file=self.state_path, cycle=k, view='labeled')
        if self.al_cfg['epochs_per_cycle'] is not None:
            fit_schedule(cfg, self.iterations_of(k))
        # Validation runs once per cycle, in the eval phase.
        cfg.train_cfg.val_begin = cfg.train_cfg.max_iters + 1
        hooks = list(cfg.get('custom_hooks', []))
        hooks.append(dict(type='IterSeedHook', seed=self.seed * 1000 + k))
        hooks.append(dict(type='CycleProgressHook', cycle=k, num_cycles=self.num_cycles,
                          num_labeled=self._num_labeled(k), pool_size=len(self.pool.pool_ids)))
        resume_from = resume_point(cfg.work_dir)
        if resume_from:
            cfg.resume, cfg.load_from = True, resume_from
        elif self.al_cfg['training'] != 'retrain' and k > 0:
            cfg.resume, cfg.load_from = False, self.state.cycle(k - 1)['checkpoint']
            if self.al_cfg['training'] == 'reset_backbone':
                hooks.append(dict(type='ResetBackboneHook'))  # runs after that load
        # The switch channels_last=True (off by default): NHWC convolutions, faster where
        # the hardware prefers them, with float results that differ in the last bits.
        if cfg.pop('channels_last', False):
            hooks.append(dict(type='ChannelsLastHook'))
        cfg.custom_hooks = hooks
        # "-SSL": wrap the model and mix the unlabeled view into every batch.
        return apply_ssl(cfg)

    def _runner(self, cfg):
        """``Runner.from_cfg(cfg)``, under a name of its own."""
        # mmengine keeps one logger, message hub and visualizer per name, and its default
        # names (the config's name + the second a runner starts; 'visualizer') repeat when
        # two runners start within a second, so a cycle would log into another's files.
        stem = osp.splitext(osp.basename(self.cfg.filename or 'experiment'))[0]
        cfg.experiment_name = f'{stem}_{osp.basename(cfg.work_dir)}_{next(_RUNNER_NUMBERS)}'
        if isinstance(cfg.get('visualizer'), dict):
            cfg.visualizer.pop('name', None)  # mmengine names it after the experiment
        return Runner.from_cfg(cfg)

    def _trained_runner(self, k):
        """A Runner of cycle ``k`` holding the weights its train phase ended with."""
        cfg = self._runner_cfg(k)
        cfg.resume, cfg.load_from = False, None
        runner = self._runner(cfg)
        runner.load_checkpoint(self.state.cycle(k)['checkpoint'])
        if self.cfg.get('channels_last', False):  # as ChannelsLastHook left it after training
            runner.model.to(memory_format=torch.channels_last)
        return runner

    def _train(self, k):
        runner = self._runner(self._runner_cfg(k))
        runner.train()
        dist.barrier()  # rank 0 writes the checkpoint and last_checkpoint
        with open(osp.join(self._cycle_dir(k), 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        self._mark_done(k, 'train', checkpoint=checkpoint, environment=run_environment())
        return runner

    def _num_labeled(self, k):
        return sum(1 for c in self.pool.labeled_at.values() if c <= k)

    def iterations_of(self, k):
        """Training iterations of cycle ``k``: ``train_cfg.max_iters``, or by
        ``epochs_per_cycle`` over the cycle's labeled images and the global batch."""
        epochs = self.al_cfg['epochs_per_cycle']
        if epochs is None:
            return self.cfg.train_cfg.max_iters
        return cycle_iterations(epochs, self._num_labeled(k), self.cfg.train_dataloader.batch_size,
                                dist.get_world_size())

    def _eval(self, k, runner):
        metrics = runner.val()
        # IoUMetric reports percent with 2 decimals; float32 noise beyond that is dropped.
        metrics = {key: (None if v is None else round(float(v), 4)) for key, v in metrics.items()}
        num_labeled = self._num_labeled(k)
        self._mark_done(k, 'eval', metrics=metrics, num_labeled=num_labeled,
                        percent_labeled=100.0 * num_labeled / len(self.pool.pool_ids))

    def _acquire(self, k, runner):
        out_file = osp.join(self._cycle_dir(k), SELECTION_FILE)
        if not osp.isfile(out_file):
            runner = runner or self._trained_runner(k)
            # Built anew each cycle, as a Runner builds its components.
            select_batch(runner.model, ACQUISITIONS.build(self.al_cfg['acquisition']),
                         self.n_step, self.query_dataloader, self.work_dir, k, self.seed,
                         self.al_cfg['feature_layer'] if self.al_cfg['save_pool_features']
                         else None,
                         amp=self.cfg.optim_wrapper.get('type') == 'AmpOptimWrapper')
        selection = read_json(out_file, 'Selection')
        labeled = self.oracle.request(k, selection, lambda: runner or self._trained_runner(k),
                                      self.state)
        self.pool.label(labeled, cycle=k + 1)
        self.state.labeled = self.pool.state_dict()['labeled']
        if dist.get_rank() == 0:
            self._write_added(k + 1)
        self._mark_done(k, 'acquire', acquisition=selection['acquisition'],
                        diagnostics=selection['diagnostics'], info=selection['info'])

    def _drop_old_checkpoints(self, k):
        if self.al_cfg['keep_checkpoints'] != 'last' or dist.get_rank() != 0:
            return
        for old in range(k):
            cycle_dir = self._cycle_dir(old)
            for name in os.listdir(cycle_dir) if osp.isdir(cycle_dir) else []:
                if name.endswith('.pth'):
                    os.remove(osp.join(cycle_dir, name))

    def run(self):
        """Run every unfinished phase; returns the results dict (also results.json).

        Raises:
            WaitingForLabels: the human oracle exported a batch; import its labels
                with ``tools/al_import.py`` and run again.
        """
        started = time.time()
        # mmengine's datasets call gc.collect() each time one is built, several times a
        # cycle, and with torch and mmseg loaded each call scans for about 0.3 s. What is
        # alive now (modules, the config) lives on; keep it out of collections meanwhile.
        gc.collect()
        gc.freeze()
        try:
            for k in range(self.num_cycles + 1):
                runner = None
                print_progress(f'cycle {k}/{self.num_cycles}: {self._num_labeled(k)} labeled, '
                               f'{self.iterations_of(k)} iterations')
                if not self.state.is_done(k, 'train'):
                    runner = self._train(k)
                    # The other modes start the next cycle from this one's weights: keep them.
                    if self.al_cfg['training'] == 'retrain':
                        self._drop_old_checkpoints(k)
                    elif k > 0:
                        self._drop_old_checkpoints(k - 1)
                if not self.state.is_done(k, 'eval'):
                    runner = runner or self._trained_runner(k)
                    self._eval(k, runner)
                if k < self.num_cycles and not self.state.is_done(k, 'acquire'):
                    try:
                        self._acquire(k, runner)
                    except WaitingForLabels:
                        if dist.get_rank() == 0:  # the cycle's results, while people label
                            write_results(self.work_dir, self.cfg, self.al_cfg, self.state)
                        raise
                if dist.get_rank() == 0:
                    write_results(self.work_dir, self.cfg, self.al_cfg, self.state)
        finally:
            gc.unfreeze()
        print_progress(f'done in {time.time() - started:.0f} s; results in '
                       f'{osp.join(self.work_dir, RESULTS_FILE)}')
        return read_json(osp.join(self.work_dir, RESULTS_FILE), 'Results')


def print_progress(message):
    """A cycle-level progress line on the main process (mmengine logs the rest)."""
    if dist.get_rank() == 0:
        print(f'[mmseg_al] {message}', flush=True)

