import pytest

from mmseg_al.recommend.budgets import format_budget, normal_budget, parse_budget


def test_budgets_have_one_normal_form():
    assert parse_budget('10-10') == (10.0, 10.0)
    assert normal_budget('10.0-10') == '10-10'
    assert normal_budget(' 2.5-5') == '2.5-5'
    assert format_budget(100 * 6 / 60, 100 * 3 / 60) == '10-5'


@pytest.mark.parametrize('budget', ['10%', '10', '10-0', '-5-5', 'ten-10', '1-2-3'])
def test_a_budget_that_is_not_two_positive_percentages_is_refused(budget):
    with pytest.raises(ValueError, match="'I-S'"):
        parse_budget(budget)
