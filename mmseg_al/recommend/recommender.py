"""Which acquisition (and SSL or not) for a pool: per-candidate fits, then asked.

A study's rows (one per experiment x seed: ``pool``, ``budget`` ``'I-S'``, ``method``
(an acquisition type), ``ssl``, ``seed``, ``auc``) and each pool's redundancy score
come from an evidence reader (:mod:`mmseg_al.recommend.evidence`). One candidate is the
reference (supervised Random when the study ran it), fitted on its AUC@B; every other
candidate is fitted on its *gain*: its AUC@B minus the reference's mean AUC@B in the same
pool and budget. Pools differ in how hard they are for every method (the digit scenes'
Pool-Aug scores 4 AUC lower than pools of like redundancy); the gains cancel that, so
candidates are ranked by what they add within a pool, not by the pools they happened to
run on. The recommendation is the candidate with the highest predicted AUC@B; nothing
of the paper's Table 7 is typed in.
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from mmseg_al.recommend.budgets import normal_budget
from mmseg_al.recommend.evidence import STUDY_COLUMNS, load_evidence
from mmseg_al.recommend.fit import CandidateFit, candidate_name, fit_candidate

REFERENCE = ('RandomAcquisition', False)
# Expected AUC@B closer than this reads as equal in the answer (printed to 0.01): a tie.
TIE_AUC = 0.005


def check_study_rows(rows, redundancy):
    """Typed copies of study rows, or a clear error naming the bad row.

    Args:
        rows (list[dict]): study rows with :data:`STUDY_COLUMNS` (``ssl`` a bool).
        redundancy (dict[str, float]): pool -> redundancy score.

    Returns:
        list[dict]: the rows, budgets in normal form.
    """
    if not rows:
        raise ValueError('The study has no runs with a budget; run the study first (a row '
                         'has ' + ', '.join(STUDY_COLUMNS) + ').')
    checked = []
    for number, row in enumerate(rows, 1):
        missing = [c for c in STUDY_COLUMNS if row.get(c) in (None, '')]
        if missing:
            raise ValueError(f'Study row {number} lacks {missing}: {row}')
        if not isinstance(row['ssl'], (bool, np.bool_)):
            raise ValueError(f'Study row {number}: ssl must be True or False, got '
                             f"{row['ssl']!r}.")
        checked.append(dict(row, pool=str(row['pool']), budget=normal_budget(row['budget']),
                            method=str(row['method']), ssl=bool(row['ssl']),
                            seed=int(row['seed']), auc=float(row['auc'])))
    unscored = sorted({r['pool'] for r in checked} - set(redundancy or {}))
    if unscored:
        raise ValueError(f'No redundancy score for the pools {unscored}.')
    return checked


def pick_reference(groups):
    """The candidate every other is measured against: supervised Random if the study ran
    it, else the one run in the most (pool, budget) cells."""
    if REFERENCE in groups:
        return REFERENCE
    return max(sorted(groups), key=lambda key: len({(r['pool'], r['budget'])
                                                    for r in groups[key]}))


@dataclass
class Recommender:
    """Per-candidate fits on a study; :meth:`recommend` answers for a pool."""
    fits: Dict[str, CandidateFit]
    redundancy: Dict[str, float]
    reference: str
    source: str = ''
    rows: List[dict] = field(default_factory=list, repr=False)
    # Candidates never run in a pool and budget where the reference ran: not comparable.
    unpaired: List[tuple] = field(default_factory=list)  # (method, ssl)
    # What the seeds are when the rows are means (the paper's), for "rests on".
    seeds: Optional[str] = None

    @classmethod
    def fit(cls, rows, redundancy, source='', seeds=None):
        """Fit every candidate (method, ssl) of the study.

        Args:
            rows (list[dict]): study rows (see :func:`check_study_rows`).
            redundancy (dict[str, float]): pool -> score.
            source (str): what the rows are, for the answer's "rests on".
            seeds (str, optional): what the seeds are when each row is a mean over
                seeds; default the rows' own seeds.
        """
        rows = check_study_rows(rows, redundancy)
        redundancy = dict(redundancy)
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
        return cls(fits, redundancy, candidate_name(*reference), source, rows, unpaired, seeds)

    def recommend(self, redundancy, budget, ssl=(False, ), candidates=None):
        """The best candidate for a pool of this redundancy at budget ``'I-S'``.

        Args:
            redundancy (float): the pool's score.
            budget (str): ``'I-S'``.
            ssl (Sequence[bool]): which training may be used: ``(False, )``
                supervised only, ``(False, True)`` SSL is an option (the answer says
                whether it pays), ``(True, )`` the experiment trains with SSL.
            candidates (Collection[str], optional): restrict to these methods.

        Returns:
            dict: ``best`` (the winning prediction), ``tied`` (the candidates whose
            expected AUC@B is within :data:`TIE_AUC` of the best's, best included; one
            name when there is no tie), ``predictions`` (every candidate, best first:
            ``candidate``, ``method``, ``ssl``, ``auc``, ``std``, ``gain`` and
            ``gain_std`` (over ``reference``, which ranks them), ``rows``; a candidate
            run at one other budget only is left out, with a warning, when some candidate
            ran at ``budget`` or can interpolate to it), ``reference``, ``margin_sd``
            (best minus runner-up over the combined standard error of their gains),
            ``rests_on`` and ``warnings``.
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
            warnings.append(f'{", ".join(left_out)}: run at one other budget only, not at '
                            f'{budget}, so left out of the comparison.')
        unpaired = sorted(candidate_name(m, s) for m, s in self.unpaired if s in tuple(ssl)
                          and (candidates is None or m in candidates))
        if unpaired:
            warnings.append(f'{", ".join(unpaired)}: never run in a pool and budget where '
                            f'{self.reference} ran, so left out of the comparison.')
        tied = [p['candidate'] for p in predictions if best['auc'] - p['auc'] < TIE_AUC]
        return dict(best=best, tied=tied, predictions=predictions, reference=self.reference,
                    margin_sd=margin, rests_on=self.rests_on(fits + [reference]),
                    warnings=warnings)

    def rests_on(self, fits=None):
        """Which study results the fits use: pools with scores, budgets, rows."""
        fits = list(self.fits.values()) if fits is None else list(dict.fromkeys(fits))
        pools = sorted({p for f in fits for p in f.pools}, key=lambda p: (self.redundancy[p], p))
        seeds = self.seeds or sorted({r['seed'] for r in self.rows})
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


def fit_evidence(evidence):
    """A :class:`Recommender` fitted on an :class:`~mmseg_al.recommend.evidence.Evidence`."""
    return Recommender.fit(evidence.rows, evidence.redundancy, evidence.source, evidence.seeds)


def fit_study(study=None, auc_budget=None):
    """A :class:`Recommender` fitted on a study (see
    :func:`~mmseg_al.recommend.evidence.load_evidence`; default the paper's tables)."""
    return fit_evidence(load_evidence(study, auc_budget))
