"""The study's summary metrics of an AL curve: AUC@B, mIoU@B, means over seeds."""
import numpy as np


def _curve(percent_labeled, miou):
    x = np.asarray(percent_labeled, dtype=np.float64)
    y = np.asarray(miou, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError('percent_labeled and miou must be 1-D and of equal, non-zero length.')
    if np.any(np.diff(x) <= 0):
        raise ValueError(f'percent_labeled must increase strictly, got {x.tolist()}.')
    return x, y


def miou_at_budget(percent_labeled, miou, budget):
    """mIoU at ``budget`` percent labeled, linearly interpolated between cycles.

    Returns None when the budget lies outside the curve.
    """
    x, y = _curve(percent_labeled, miou)
    if not x[0] - 1e-9 <= budget <= x[-1] + 1e-9:
        return None
    return float(np.interp(budget, x, y))


def auc_at_budget(percent_labeled, miou, budget):
    """Area under the mIoU-vs-budget curve from the first cycle up to ``budget`` percent.

    x is the labeled *fraction* and y the mIoU in percent, as in the paper: a curve
    near 45 mIoU from 10 % to 50 % gives 0.4 * 45 = 18. Trapezoid rule; the curve is
    interpolated at ``budget``. Returns None when the curve does not reach ``budget``.

    Args:
        percent_labeled (Sequence[float]): labeled percent per cycle, increasing.
        miou (Sequence[float]): mIoU (percent) per cycle.
        budget (float): B, in percent.
    """
    x, y = _curve(percent_labeled, miou)
    end = miou_at_budget(x, y, budget)
    if end is None:
        return None
    keep = x < budget
    xs = np.append(x[keep], budget) / 100.0
    ys = np.append(y[keep], end)
    return float(np.trapezoid(ys, xs))


def budget_summary(percent_labeled, miou, budgets):
    """AUC@B and mIoU@B of one curve at each budget, keyed as ``budgets`` are given.

    Args:
        percent_labeled (Sequence[float]): labeled percent per cycle (may be empty).
        miou (Sequence[float]): mIoU (percent) per cycle.
        budgets (Sequence[str]): budgets B in percent, as results.json keys them.

    Returns:
        tuple[dict, dict]: ``{B: AUC@B}`` and ``{B: mIoU@B}``; None where the curve
        is empty or does not reach B.
    """
    if not len(percent_labeled):
        return {b: None for b in budgets}, {b: None for b in budgets}
    return ({b: auc_at_budget(percent_labeled, miou, float(b)) for b in budgets},
            {b: miou_at_budget(percent_labeled, miou, float(b)) for b in budgets})


def mean_std_over_seeds(values):
    """Mean and (population) standard deviation, ignoring missing values."""
    values = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if len(values) == 0:
        return None, None
    return float(values.mean()), float(values.std())
