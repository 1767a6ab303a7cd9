"""Which acquisition (and SSL or not) for a pool: fitted to study results, then asked.

A study table has one row per experiment x seed: ``pool``, ``budget`` (``'I-S'``),
``method`` (an acquisition type), ``ssl`` (bool), ``seed``, ``auc`` (AUC@B) and
optionally ``miou`` (mIoU@B); each pool also has a redundancy score
(:mod:`mmseg_al.analysis.redundancy`). One candidate is the reference (supervised Random
when the study ran it); its fit is an ordinary least-squares regression over its rows::

    AUC@B = a + b * redundancy + c * log(I)

Every other candidate gets the same regression of its *gain*: its AUC@B minus the
reference's mean AUC@B in the same pool and budget. Pools differ in how hard they are
for every method (the digit scenes' Pool-Aug scores 4 AUC lower than pools of like
redundancy); the gains cancel that, so candidates are ranked by what they add within a
pool, not by the pools they happened to run on. Terms the table cannot identify (e.g.
the budget term when it has one budget) are left out. A fit holds between the
redundancies of its own pools; a pool beyond them is predicted as the nearest one (a
candidate run on two close pools has a slope, not a trend). Seeds are separate rows, so the
residuals hold the seed noise and give each prediction a standard error. The
recommendation is the candidate with the highest predicted AUC@B; nothing of the paper's
Table 7 is typed in.
"""
import csv
import hashlib
import json
import math
import os
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from mmengine.config import Config

from mmseg_al.analysis.pool_images import DEFAULT_EMBEDDING, EMBEDDINGS, PoolImages, score_pool
from mmseg_al.analysis.study_table import TABLE_FILE, read_table_csv
from mmseg_al.datasets.preparation import dataset_files, leaf_dataset_cfgs
from mmseg_al.fileio import atomic_write_json, atomic_write_text

STUDY_COLUMNS = ('pool', 'budget', 'method', 'ssl', 'seed', 'auc')
REFERENCE = ('RandomAcquisition', False)
# Always-<method> policies the validation compares with: one per family of the study
# (random, single-sample, batch-based).
BASELINES = ('RandomAcquisition', 'EntropyAcquisition', 'CoresetAcquisition')
REDUNDANCY_CACHE = 'pool_redundancy.json'
# The digit-scene study's table, committed once the study has run
# (``tools/recommend.py --study work_dirs/<study> --export-table``).
DEFAULT_STUDY = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'docs',
                         'study', 'digit_study.csv')


def parse_budget(budget):
    """``'10-10'`` -> ``(10.0, 10.0)``: initial and step percent of the budget I-S."""
    parts = str(budget).split('-')
    try:
        initial, step = (float(p) for p in parts)
    except ValueError:
        initial = step = -1.0
    if len(parts) != 2 or initial <= 0 or step <= 0:
        raise ValueError(f"A budget is 'I-S' with I and S positive percentages (e.g. '10-10'), "
                         f'got {budget!r}.')
    return initial, step


def format_budget(initial, step):
    """``'I-S'`` with both percentages rounded to 0.1 (``10.0, 10.0`` -> ``'10-10'``)."""

    def number(value):
        value = round(float(value), 1)
        return str(int(value)) if value.is_integer() else str(value)

    return f'{number(initial)}-{number(step)}'


def normal_budget(budget):
    """A budget string in the one form tables and questions are compared in."""
    return format_budget(*parse_budget(budget))


def candidate_name(method, ssl):
    """``('CoresetAcquisition', True)`` -> ``'Coreset-SSL'``."""
    name = method[:-len('Acquisition')] if method.endswith('Acquisition') else method
    return f'{name}-SSL' if ssl else name


def _as_bool(value):
    if isinstance(value, str):
        if value.strip().lower() in ('1', 'true', 'yes', 'ssl'):
            return True
        if value.strip().lower() in ('', '0', 'false', 'no', 'none'):
            return False
        raise ValueError(f'Cannot read ssl={value!r} as yes/no.')
    return bool(value)


def check_study_rows(rows, redundancy):
    """Validated copies of study rows (typed), or a clear error naming the bad row.

    Args:
        rows (list[dict]): study table rows with :data:`STUDY_COLUMNS`.
        redundancy (dict[str, float]): pool -> redundancy score; a row may instead
            carry its pool's score in a ``redundancy`` column.

    Returns:
        tuple[list[dict], dict[str, float]]: rows and the redundancy of every pool.
    """
    if not rows:
        raise ValueError('The study table has no rows; run the study first (or give a '
                         'table with columns ' + ', '.join(STUDY_COLUMNS) + ').')
    redundancy = dict(redundancy or {})
    checked = []
    for number, row in enumerate(rows, 1):
        missing = [c for c in STUDY_COLUMNS if row.get(c) in (None, '')]
        if missing:
            raise ValueError(f'Study row {number} lacks {missing}: {row}')
        pool = str(row['pool'])
        if row.get('redundancy') not in (None, ''):
            score = float(row['redundancy'])
            if pool in redundancy and not math.isclose(redundancy[pool], score, abs_tol=1e-6):
                raise ValueError(f'Pool {pool!r} has two redundancy scores: '
                                 f'{redundancy[pool]} and {score} (row {number}).')
            redundancy[pool] = score
        checked.append(dict(row, pool=pool, budget=normal_budget(row['budget']),
                            method=str(row['method']), ssl=_as_bool(row['ssl']),
                            seed=int(row['seed']), auc=float(row['auc'])))
    unscored = sorted({r['pool'] for r in checked} - set(redundancy))
    if unscored:
        raise ValueError(f'No redundancy score for the pools {unscored}; add a redundancy '
                         'column or score them (tools/recommend.py does).')
    return checked, redundancy


def read_study_table(path):
    """Rows of a study table CSV (header with at least :data:`STUDY_COLUMNS`)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'No study table at {path}.')
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = set(STUDY_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f'{path} lacks the columns {sorted(missing)}; a study table has '
                             f'{", ".join(STUDY_COLUMNS)} (+ optional miou, redundancy).')
        return list(reader)


def _design(redundancy, budget, terms):
    initial, _ = parse_budget(budget)
    values = dict(redundancy=redundancy, log_initial=math.log(initial))
    return np.array([1.0] + [values[t] for t in terms])


@dataclass(eq=False)
class CandidateFit:
    """One candidate's least-squares fit ``AUC@B ~ terms``, or of its gain over
    ``reference`` (a candidate name) when that is set."""
    method: str
    ssl: bool
    terms: List[str]
    coef: np.ndarray
    cov_unscaled: np.ndarray  # (X^T X)^-1
    residual_std: Optional[float]  # None with no residual degrees of freedom
    num_rows: int
    pools: List[str]
    budgets: List[str]
    redundancy_range: tuple  # (lowest, highest) redundancy of its pools
    reference: Optional[str] = None

    @property
    def name(self):
        return candidate_name(self.method, self.ssl)

    def covers(self, redundancy, tolerance=0.05):
        """Whether ``redundancy`` lies within (``tolerance`` of) this fit's pools."""
        low, high = self.redundancy_range
        return low - tolerance <= redundancy <= high + tolerance

    def predict(self, redundancy, budget):
        """Expected AUC@B (gain over the reference, if any) and its standard error (None
        when the fit has no residuals).

        A pool outside the fit's redundancy range is predicted at the nearest end of it:
        a slope fitted on a few pools close together (Entropy-SSL ran on the digit
        scenes' 0.90 and 0.94 pools) says nothing about a pool far from them.
        """
        x = _design(float(np.clip(redundancy, *self.redundancy_range)), budget, self.terms)
        mean = float(x @ self.coef)
        if self.residual_std is None:
            return mean, None
        return mean, float(self.residual_std * math.sqrt(max(x @ self.cov_unscaled @ x, 0.0)))


def fit_candidate(rows, method, ssl, reference=None):
    """Least squares of ``auc`` on redundancy and log(I) over one candidate's rows (their
    ``auc`` is the gain over ``reference`` when that is given)."""
    redundancies = sorted({r['redundancy'] for r in rows})
    budgets = sorted({r['budget'] for r in rows})
    terms = (['redundancy'] if len(redundancies) > 1 else []) + (
        ['log_initial'] if len({parse_budget(b)[0] for b in budgets}) > 1 else [])
    design = np.stack([_design(r['redundancy'], r['budget'], terms) for r in rows])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        # Each pool ran at one budget (e.g. pool A at 5-5, pool B at 10-10): the two terms
        # cannot be told apart. Keep the budget term, so AUC@B stays on its budget's scale.
        terms = ['log_initial']
        design = np.stack([_design(r['redundancy'], r['budget'], terms) for r in rows])
    auc = np.array([r['auc'] for r in rows])
    coef, *_ = np.linalg.lstsq(design, auc, rcond=None)
    cov_unscaled = np.linalg.pinv(design.T @ design)
    dof = len(rows) - design.shape[1]
    residuals = auc - design @ coef
    residual_std = float(math.sqrt(residuals @ residuals / dof)) if dof > 0 else None
    return CandidateFit(method, ssl, terms, coef, cov_unscaled, residual_std, len(rows),
                        sorted({r['pool'] for r in rows}), budgets,
                        (redundancies[0], redundancies[-1]), reference)


def pick_reference(groups):
    """The candidate every other is measured against: supervised Random if the study ran
    it, else the one run in the most (pool, budget) cells."""
    if REFERENCE in groups:
        return REFERENCE
    return max(sorted(groups), key=lambda key: len({(r['pool'], r['budget'])
                                                    for r in groups[key]}))


@dataclass
class Recommender:
    """Per-candidate fits on a study table; :meth:`recommend` answers for a pool."""
    fits: Dict[str, CandidateFit]
    redundancy: Dict[str, float]
    reference: str
    source: str = ''
    rows: List[dict] = field(default_factory=list, repr=False)
    # Candidates never run in a pool and budget where the reference ran: not comparable.
    unpaired: List[tuple] = field(default_factory=list)  # (method, ssl)

    @classmethod
    def fit(cls, rows, redundancy=None, source=''):
        """Fit every candidate (method, ssl) of the study table.

        Args:
            rows (list[dict]): study rows (see :func:`check_study_rows`).
            redundancy (dict[str, float], optional): pool -> score.
            source (str): where the rows came from, for reports.
        """
        rows, redundancy = check_study_rows(rows, redundancy)
        groups = defaultdict(list)
        for row in rows:
            groups[(row['method'], row['ssl'])].append(dict(row,
                                                            redundancy=redundancy[row['pool']]))
        reference = pick_reference(groups)
        cells = defaultdict(list)
        for row in groups[reference]:
            cells[(row['pool'], row['budget'])].append(row['auc'])
        level = {cell: float(np.mean(aucs)) for cell, aucs in cells.items()}
        fits = {candidate_name(*reference): fit_candidate(groups[reference], *reference)}
        unpaired = []
        for key, group in sorted(groups.items()):
            if key == reference:
                continue
            gains = [dict(r, auc=r['auc'] - level[(r['pool'], r['budget'])]) for r in group
                     if (r['pool'], r['budget']) in level]
            if gains:
                fits[candidate_name(*key)] = fit_candidate(gains, *key,
                                                           candidate_name(*reference))
            else:
                unpaired.append(key)
        return cls(fits, redundancy, candidate_name(*reference), source, rows, unpaired)

    def recommend(self, redundancy, budget, ssl=(False, ), candidates=None):
        """The best candidate for a pool of this redundancy at budget ``'I-S'``.

        Args:
            redundancy (float): the pool's score.
            budget (str): ``'I-S'``.
            ssl (Sequence[bool]): which training may be used: ``(False, )``
                supervised only, ``(False, True)`` SSL is an option (the answer says
                whether it pays), ``(True, )`` the experiment trains with SSL.
            candidates (Sequence[str], optional): restrict to these methods.

        Returns:
            dict: ``best`` (the winning prediction), ``predictions`` (every candidate,
            best first: ``candidate``, ``method``, ``ssl``, ``auc``, ``std``, ``gain``
            and ``gain_std`` (over ``reference``, which ranks them), ``rows``; a
            candidate run at one other budget only is left out, with a warning, when
            some candidate ran at ``budget`` or can interpolate to it),
            ``reference``, ``margin_sd`` (best minus runner-up over the combined standard
            error of their gains), ``rests_on`` and ``warnings``.
        """
        budget = normal_budget(budget)
        fits = [f for f in self.fits.values() if f.ssl in tuple(ssl)
                and (candidates is None or f.method in candidates)]
        if not fits:
            raise ValueError(f'The study has no comparable results for the candidates asked '
                             f'(ssl in {tuple(ssl)}, methods {candidates}); it has '
                             f'{sorted(self.fits)}.')
        reference = self.fits[self.reference]
        # A fit without a budget term predicts at its own budget only: set beside fits of
        # the asked budget it would compare AUC@50 with AUC@25.
        comparable = [f for f in fits if budget in f.budgets or 'log_initial' in f.terms]
        left_out = sorted(f.name for f in fits if f not in comparable) if comparable else []
        fits = comparable or fits
        level, level_std = reference.predict(redundancy, budget)
        predictions = []
        for f in fits:
            gain, gain_std = (0.0, 0.0) if f is reference else f.predict(redundancy, budget)
            std = None if None in (level_std, gain_std) else math.hypot(level_std, gain_std)
            predictions.append(dict(candidate=f.name, method=f.method, ssl=f.ssl,
                                    auc=level + gain, std=std, gain=gain, gain_std=gain_std,
                                    rows=f.num_rows))
        predictions.sort(key=lambda p: (-p['auc'], p['candidate']))
        best = predictions[0]
        margin = None
        if len(predictions) > 1 and None not in (best['gain_std'], predictions[1]['gain_std']):
            spread = math.hypot(best['gain_std'], predictions[1]['gain_std'])
            margin = (best['gain'] - predictions[1]['gain']) / spread if spread else math.inf
        warnings = self._warnings(fits, redundancy, budget, tuple(ssl))
        if left_out:
            warnings.append(f'{", ".join(left_out)}: no runs at budget {budget} and only one '
                            'budget in the study, so left out of the comparison.')
        unpaired = sorted(candidate_name(m, s) for m, s in self.unpaired if s in tuple(ssl)
                          and (candidates is None or m in candidates))
        if unpaired:
            warnings.append(f'{", ".join(unpaired)}: never run in a pool and budget where '
                            f'{self.reference} ran, so left out of the comparison.')
        return dict(best=best, predictions=predictions, reference=self.reference,
                    margin_sd=margin, rests_on=self.rests_on(fits + [reference]),
                    warnings=warnings)

    def rests_on(self, fits=None):
        """Which study results the fits use: pools with scores, budgets, rows."""
        fits = list(self.fits.values()) if fits is None else list(dict.fromkeys(fits))
        pools = sorted({p for f in fits for p in f.pools}, key=lambda p: self.redundancy[p])
        seeds = sorted({r['seed'] for r in self.rows})
        return dict(source=self.source,
                    pools={p: self.redundancy[p] for p in pools},
                    budgets=sorted({b for f in fits for b in f.budgets}),
                    candidates={f.name: f.num_rows for f in fits},
                    seeds=seeds, rows=sum(f.num_rows for f in fits))

    def _warnings(self, fits, redundancy, budget, ssl):
        warnings = []
        missing = sorted(set(ssl) - {f.ssl for f in fits})
        if missing:
            kind = ' or '.join('SSL' if m else 'supervised' for m in missing)
            warnings.append(f'the study has no {kind} runs of these candidates, so the answer '
                            f'cannot say whether {kind} training would pay.')
        scores = [self.redundancy[p] for f in fits for p in f.pools]
        held = sorted(f.name for f in fits if not f.covers(redundancy))
        if not min(scores) - 0.05 <= redundancy <= max(scores) + 0.05:
            warnings.append(f'redundancy {redundancy:.3f} lies outside the study pools '
                            f'({min(scores):.3f}..{max(scores):.3f}): every candidate is '
                            'predicted as on the nearest of them.')
        elif held:
            warnings.append(f'{", ".join(held)}: never run on a pool of redundancy near '
                            f'{redundancy:.3f}, so predicted as on the nearest pool run.')
        budgets = sorted({b for f in fits for b in f.budgets})
        if budget not in budgets:
            warnings.append(f'the study has no runs at budget {budget} (it has {budgets}): '
                            'the answer ' + ('interpolates over log(I).' if any(
                                'log_initial' in f.terms for f in fits)
                                else 'assumes budget does not change the ranking.'))
        if any(f.residual_std is None for f in fits):
            warnings.append('some candidates have too few runs for an uncertainty '
                            '(need more seeds or pools).')
        return warnings


def actual_means(rows):
    """(pool, budget) -> candidate -> mean AUC@B over seeds."""
    sums = defaultdict(lambda: defaultdict(list))
    for row in rows:
        sums[(row['pool'], row['budget'])][candidate_name(row['method'], row['ssl'])].append(
            row['auc'])
    return {key: {name: float(np.mean(v)) for name, v in values.items()}
            for key, values in sums.items()}


def leave_one_pool_out(rows, redundancy=None, ssl=(False, ), baselines=BASELINES):
    """Validate the recommender: fit without a pool, recommend for it, compare.

    Args:
        rows (list[dict]): the study table.
        redundancy (dict[str, float], optional): pool -> score.
        ssl (Sequence[bool]): which training may be used (see
            :meth:`Recommender.recommend`).
        baselines (Sequence[str]): always-<method> policies to compare against.

    Returns:
        list[dict]: per held-out (pool, budget): ``redundancy``, ``recommended``,
        ``actual_best``, ``lost`` (AUC@B of the best minus that of the recommended,
        >= 0), ``lost_<baseline>`` for each baseline (None where it did not run), and
        ``hit`` (recommended == actual best).
    """
    rows, redundancy = check_study_rows(rows, redundancy)
    pools = sorted({r['pool'] for r in rows}, key=lambda p: redundancy[p])
    if len(pools) < 2:
        raise ValueError('Leave-one-pool-out needs a study of at least two pools.')
    means = actual_means(rows)
    # Always-<method> trains supervised unless only SSL training is allowed.
    baseline_ssl = False not in tuple(ssl)
    table = []
    for pool in pools:
        model = Recommender.fit([r for r in rows if r['pool'] != pool], redundancy)
        for (held, budget), actual in sorted(means.items()):
            if held != pool:
                continue
            allowed = {n: a for n, a in actual.items()
                       if n in model.fits and model.fits[n].ssl in tuple(ssl)}
            if not allowed:
                continue
            answer = model.recommend(redundancy[pool], budget, ssl=ssl,
                                     candidates={model.fits[n].method for n in allowed})
            ranked = [p['candidate'] for p in answer['predictions'] if p['candidate'] in allowed]
            recommended = ranked[0]
            best = max(sorted(allowed), key=allowed.get)
            row = dict(pool=pool, budget=budget, redundancy=redundancy[pool],
                       recommended=recommended, actual_best=best,
                       lost=allowed[best] - allowed[recommended], hit=recommended == best)
            for method in baselines:
                name = candidate_name(method, baseline_ssl)
                row[f'lost_{name}'] = allowed[best] - allowed[name] if name in allowed else None
            table.append(row)
    return table


def load_study(study_dir, auc_budget=None, score_pool=None):
    """Study rows from a study dir: every ``results.json`` below it, with its config, and
    the runs its report joined from other studies' tables.

    The layout the study runner writes is ``<study>/<experiment>/<experiment>.py`` and
    ``<study>/<experiment>/seed_<s>/results.json``; any tree of ``al_train.py`` work
    dirs works (the config is the one ``results.json`` names, else the experiment
    folder's). A run's pool is its train dataset's ``ann_file`` (name without
    ``.txt``), its budget I-S the percent labeled of its first cycle and the percent
    added by the next (whatever ``active_learning.unit`` was). The ``study_table.csv``
    of ``tools/al_study.py STUDY --report --tables ...`` also holds runs whose dirs are
    elsewhere or gone; those with an experiment config in the study dir count too, with
    the budget their ``budget`` tag names.

    Args:
        study_dir (str): the study's root.
        auc_budget (str, optional): which B of the runs' AUC@B to use; default, per
            budget I-S, the largest every run of that budget reports.
        score_pool (Callable[[dict], float], optional): dataset config -> redundancy
            score; default :func:`pool_redundancy`. Scores are cached in
            ``<study>/pool_redundancy.json`` by pool file and content.

    Returns:
        tuple[list[dict], dict[str, float]]: study rows and pool -> redundancy.
    """
    if not osp.isdir(study_dir):
        raise FileNotFoundError(f'{study_dir} is not a study folder (nor a study table CSV).')
    runs = _result_runs(study_dir)
    runs += _table_runs(study_dir, {(osp.basename(osp.dirname(r['run'])), r['seed'])
                                    for r in runs})
    if not runs:
        raise FileNotFoundError(f'No finished run (results.json with cycles) under {study_dir}.')
    chosen = _auc_budgets(runs, auc_budget, study_dir)
    scorer = score_pool or pool_redundancy
    # Cached scores name what scored them, so a change of embedding is not served stale.
    default_key = f'{DEFAULT_EMBEDDING}@{EMBEDDINGS[DEFAULT_EMBEDDING][1]}'
    scored_by = 'custom' if score_pool else default_key
    cache_path = osp.join(study_dir, REDUNDANCY_CACHE)
    cache = json.load(open(cache_path)) if osp.isfile(cache_path) else {}
    rows, redundancy, pool_files = [], {}, {}
    for run in runs:
        dataset_cfg = Config.fromfile(run['config']).train_dataloader.dataset
        files = dataset_files(leaf_dataset_cfgs(dataset_cfg)[0])
        pool = osp.splitext(osp.basename(files.ann_file or files.img_dir.rstrip('/')))[0]
        pool_file = osp.abspath(files.ann_file or files.img_dir)
        if pool_files.setdefault(pool, pool_file) != pool_file:
            raise ValueError(f'Two pools of the study are both called {pool!r}: '
                             f'{pool_files[pool]} and {pool_file}.')
        if pool not in redundancy:
            key = f'{scored_by}:{pool_file}:{_content_key(pool_file)}'
            if key not in cache:
                cache[key] = float(scorer(dataset_cfg))
            redundancy[pool] = cache[key]
        b = chosen[run['budget']]
        if run['auc'].get(b) is None:
            continue
        rows.append(dict(pool=pool, budget=run['budget'], method=run['method'],
                         ssl=run['ssl'], seed=run['seed'], auc=run['auc'][b],
                         miou=run['miou'].get(b), auc_budget=b, run=run['run']))
    atomic_write_json(cache_path, cache)
    return rows, redundancy


def _result_runs(study_dir):
    """The finished runs below ``study_dir`` (a ``results.json`` with cycles)."""
    runs = []
    for root, _, names in sorted(os.walk(study_dir)):
        if 'results.json' not in names:
            continue
        with open(osp.join(root, 'results.json')) as f:
            result = json.load(f)
        if result.get('cycles'):
            runs.append(dict(config=_run_config(root, result),
                             budget=_run_budget(result['cycles']),
                             method=result['method'], ssl=bool(result['ssl']),
                             seed=result['seed'], auc=result['auc'], miou=result['miou_at'],
                             run=osp.relpath(root, study_dir)))
    return runs


def _table_runs(study_dir, seen):
    """Runs of the study's ``study_table.csv`` not in ``seen`` ((experiment, seed)) that
    have a budget and an experiment config in the study dir (the 100 % rows have no
    budget; controls from other studies' tables no config here)."""
    path = osp.join(study_dir, TABLE_FILE)
    if not osp.isfile(path):
        return []
    runs = []
    for row in read_table_csv(path):
        name, seed = row['experiment'], row['seed']
        config = osp.join(study_dir, name, f'{name}.py')
        if row.get('budget') is None or (name, seed) in seen or not osp.isfile(config):
            continue
        cfg = Config.fromfile(config)
        source = row.get('source')
        runs.append(dict(
            config=config, budget=normal_budget(row['budget']),
            method=cfg.active_learning.acquisition.type, ssl=bool(cfg.get('ssl')), seed=seed,
            auc={k[len('auc@'):]: v for k, v in row.items() if k.startswith('auc@')},
            miou={k[len('miou@'):]: v for k, v in row.items() if k.startswith('miou@')},
            run=osp.join(osp.basename(osp.dirname(source)) if source else '', name,
                         f'seed_{seed}')))
    return runs


def _auc_budgets(runs, auc_budget, study_dir):
    """Budget I-S -> the B of AUC@B its runs are compared at."""
    budgets = sorted({run['budget'] for run in runs})
    if auc_budget is not None:
        return dict.fromkeys(budgets, str(auc_budget))
    chosen = {}
    for budget in budgets:
        common = set.intersection(*({b for b, v in run['auc'].items() if v is not None}
                                    for run in runs if run['budget'] == budget))
        if not common:
            raise ValueError(f'The runs at budget {budget} under {study_dir} share no AUC@B '
                             'budget; pick one with --auc-budget.')
        chosen[budget] = max(common, key=float)
    return chosen


def pool_redundancy(dataset_cfg):
    """Redundancy score (default embedding) of the pool a dataset config reads."""
    return score_pool(PoolImages.from_dataset_cfg(dataset_cfg))['features'].score


def _run_config(root, result):
    named = result.get('config')
    experiment = osp.dirname(root)
    for path in (named, osp.join(experiment, f'{osp.basename(experiment)}.py')):
        if path and osp.isfile(path):
            return path
    raise FileNotFoundError(f'The run {root} names the config {named!r}, which does not exist, '
                            'and its experiment folder has no config of its name.')


def _content_key(path):
    if osp.isdir(path):
        return str(len(os.listdir(path)))
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def _run_budget(cycles):
    """``'I-S'`` of a run from its cycles' percent labeled."""
    initial = cycles[0]['percent_labeled']
    return format_budget(initial, cycles[1]['percent_labeled'] - initial
                         if len(cycles) > 1 else initial)


def fit_study(study, auc_budget=None):
    """A :class:`Recommender` fitted on a study dir or a study table CSV.

    Args:
        study (str): a study dir (see :func:`load_study`) or a CSV with
            :data:`STUDY_COLUMNS` plus ``redundancy``.
        auc_budget (str, optional): B of AUC@B for a study dir.
    """
    if osp.isdir(study):
        rows, redundancy = load_study(study, auc_budget)
        return Recommender.fit(rows, redundancy, source=study)
    if osp.isfile(study):
        return Recommender.fit(read_study_table(study), source=study)
    hint = (' The digit-scene study has not been run and committed yet; run a study '
            '(mmseg_al/study) and pass its folder.' if study == DEFAULT_STUDY else '')
    raise FileNotFoundError(f'No study results at {study}: give a study folder (results.json '
                            f'of its runs below it) or a study table CSV.{hint}')


def write_study_table(path, rows, redundancy):
    """Write study rows with their pools' redundancy as a CSV that :func:`fit_study` reads."""
    columns = list(STUDY_COLUMNS) + ['redundancy'] + sorted(
        {k for r in rows for k in r} - set(STUDY_COLUMNS) - {'redundancy'})
    lines = [','.join(columns)]
    for row in rows:
        row = dict(row, redundancy=redundancy[row['pool']])
        lines.append(','.join('' if row.get(c) is None else str(row[c]) for c in columns))
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write_text(path, '\n'.join(lines) + '\n')
