# The third finding at the redundant end and the low budget: Random, Entropy and Coreset
# with s4GAN SSL at 5-5 on Pool-21f, 3 seeds. The guide (the study's Table 7) advises
# batch-based acquisition for redundant data at low budgets and says SSL integrates best with
# it; the supervised 5-5 runs on Pool-21f are in digits_low_budget.py (same experiment
# configs without the SSL base), so the two studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_low_budget_ssl_pool21f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_ssl_pool21f.py --report
_base_ = ['./digits_low_budget.py']

axes = dict(
    ssl=dict(_delete_=True, SSL=dict(configs=['../_base_/ssl/s4gan_digits.py'])),
    pool=dict(
        _delete_=True,
        **{'Pool-21f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool21f.txt'})}))
experiments = []
