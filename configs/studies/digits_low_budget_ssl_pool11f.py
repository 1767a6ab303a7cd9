# Random, Entropy and Coreset with s4GAN SSL at 5-5 on Pool-11f, 3 seeds;
# digits_low_budget_ssl_pool21f.py on another pool. The supervised twins of these runs are in
# digits_low_budget_pool11f.py (same experiment configs without the SSL base), so the two
# studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_low_budget_ssl_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_ssl_pool11f.py --report
_base_ = ['./digits_low_budget_ssl_pool21f.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-11f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'})}))
