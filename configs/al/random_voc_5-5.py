# The paper's 5-5 budget: 5 % at random, then 5 % per cycle.
_base_ = './random_voc.py'
active_learning = dict(initial=5, step=5, report_budgets=(15, 25))
