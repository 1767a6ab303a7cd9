# EquAL and BALD with s4GAN SSL at 5-5 on Pool-Aug, 3 seeds;
# digits_low_budget_methods_ssl_pool0f.py on another pool. The supervised EquAL and BALD of
# this cell are in digits_low_budget_methods.py, the supervised Random, Entropy and Coreset
# in digits_low_budget_aug.py.
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool_aug.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool_aug.py --report
_base_ = ['./digits_low_budget_methods_ssl_pool21f.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-Aug': dict(options={'train_dataloader.dataset.ann_file': 'pools/poolaug.txt'})}))
