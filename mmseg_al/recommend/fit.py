"""One candidate's least-squares fit of AUC@B (or of its gain over a reference).

Pure numpy: the rows are plain dicts, so any evidence reader can feed the same fit::

    AUC@B = a + b * redundancy + c * log(I)

Terms the rows cannot identify (one pool, one budget, or pools each run at one budget)
are left out. Seeds are separate rows, so the residuals hold the seed noise and give
each prediction a standard error.
"""
import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from mmseg_al.recommend.budgets import parse_budget


def candidate_name(method, ssl):
    """``('CoresetAcquisition', True)`` -> ``'Coreset-SSL'``."""
    name = method[:-len('Acquisition')] if method.endswith('Acquisition') else method
    return f'{name}-SSL' if ssl else name


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
    """Least squares of ``auc`` on redundancy and log(I) over one candidate's rows.

    Args:
        rows (list[dict]): ``redundancy``, ``budget``, ``pool`` and ``auc`` (the gain
            over ``reference`` when that is given) of each run.
        method (str): the candidate's acquisition.
        ssl (bool): whether it trains with SSL.
        reference (str, optional): the candidate name the gains are measured against.
    """
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
