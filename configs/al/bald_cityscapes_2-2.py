# The paper's 2-2 budget: 2 % at random, then 2 % per cycle.
_base_ = './bald_cityscapes.py'
active_learning = dict(initial=2, step=2, report_budgets=(6, 10))
