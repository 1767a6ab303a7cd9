import pytest

from mmseg_al.evaluation import auc_at_budget, mean_std_over_seeds, miou_at_budget


def test_auc_flat_curve_matches_paper_scale():
    # 45 mIoU from 10 % to 50 %: 0.4 * 45 = 18, the paper's order of magnitude.
    assert auc_at_budget([10, 20, 30, 40, 50], [45] * 5, 50) == pytest.approx(18.0)


def test_auc_trapezoid_hand_computed_and_interpolated_end():
    x, y = [10, 20, 30], [40, 50, 70]
    # 0.1 * (40 + 50) / 2 + 0.1 * (50 + 70) / 2 = 4.5 + 6.0
    assert auc_at_budget(x, y, 30) == pytest.approx(10.5)
    # Up to 25 %: the curve is interpolated at 25 % (60 mIoU).
    assert auc_at_budget(x, y, 25) == pytest.approx(4.5 + 0.05 * (50 + 60) / 2)
    assert auc_at_budget(x, y, 40) is None


def test_miou_at_budget_interpolates_and_refuses_outside():
    assert miou_at_budget([10, 20], [40, 50], 15) == pytest.approx(45)
    assert miou_at_budget([10, 20], [40, 50], 20) == pytest.approx(50)
    assert miou_at_budget([10, 20], [40, 50], 30) is None


def test_curve_must_increase():
    with pytest.raises(ValueError, match='increase'):
        auc_at_budget([10, 10], [1, 2], 10)


def test_mean_std_over_seeds_skips_missing():
    assert mean_std_over_seeds([1.0, 3.0, None]) == (2.0, 1.0)
    assert mean_std_over_seeds([None]) == (None, None)
