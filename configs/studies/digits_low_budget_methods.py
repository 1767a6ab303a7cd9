# EquAL and BALD at the low budget: 5-5 (5 % random, then 5 % per cycle up to 25 %) on all
# four pools, supervised, 3 seeds; with digits_low_budget*.py every method then has its
# supervised 5-5 row on every pool. The guide (the study's Table 7) advises batch-based
# acquisition for redundant data at low budgets; EquAL and BALD are the other two
# single-sample methods beside Entropy. The 100 % and 100 % MCD rows of each pool are in
# the 10-10 studies (digits_redundancy_core*.py, digits_methods_*.py); the full grid's report
# joins them (tools/al_study.py ... --report --tables).
#   python tools/al_study.py configs/studies/digits_low_budget_methods.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_methods.py --report
_base_ = ['./digits_low_budget.py']

_pools = {'Pool-0f': 'pool0f', 'Pool-11f': 'pool11f', 'Pool-21f': 'pool21f',
          'Pool-Aug': 'poolaug'}
axes = dict(
    method=dict(
        _delete_=True,
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py'])),
    pool=dict(
        _delete_=True,
        **{name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
           for name, pool in _pools.items()}))
experiments = []
