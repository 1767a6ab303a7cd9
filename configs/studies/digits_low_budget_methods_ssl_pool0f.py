# EquAL and BALD with s4GAN SSL at 5-5 on the diverse Pool-0f, 3 seeds: the cell where the
# study finds Random-SSL strong (finding 3). With them, the Pool-0f 5-5 cell holds all five
# methods with and without SSL, all from one kind of CPU: Random-, Entropy- and Coreset-SSL
# and their supervised twins are in digits_low_budget.py, the supervised EquAL and BALD in
# digits_low_budget_methods.py.
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool0f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool0f.py --report
_base_ = ['./digits_low_budget_methods_ssl_pool21f.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-0f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool0f.txt'})}))
