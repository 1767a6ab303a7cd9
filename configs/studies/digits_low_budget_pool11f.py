# The low budget in the middle of the redundancy range: Random, Entropy and Coreset at 5-5
# (5 % random, then 5 % per cycle up to 25 %) on Pool-11f, supervised, 3 seeds; the same
# experiment configs as digits_low_budget.py (Pool-0f, Pool-21f) and
# digits_low_budget_aug.py (Pool-Aug), so with them every pool has its 5-5 row. Its 100 %
# row is in digits_redundancy_core_mid.py; the full grid's report joins them
# (tools/al_study.py ... --report --tables).
#   python tools/al_study.py configs/studies/digits_low_budget_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_pool11f.py --report
_base_ = ['./digits_low_budget.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-11f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'})}))
experiments = []
