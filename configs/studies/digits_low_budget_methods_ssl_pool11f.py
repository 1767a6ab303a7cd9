# EquAL and BALD with s4GAN SSL at 5-5 on Pool-11f, 3 seeds;
# digits_low_budget_methods_ssl_pool0f.py on another pool. The supervised EquAL and BALD of
# this cell are in digits_low_budget_methods.py, the supervised Random, Entropy and Coreset
# in digits_low_budget_pool11f.py.
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool11f.py --report
_base_ = ['./digits_low_budget_methods_ssl_pool21f.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-11f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'})}))
