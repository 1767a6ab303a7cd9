# The third finding in one cell where every method has run on one kind of CPU: EquAL and
# BALD with s4GAN SSL at 5-5 on Pool-21f, 3 seeds. With them, the Pool-21f 5-5 cell holds
# all five methods with and without SSL: Random-, Entropy- and Coreset-SSL are in
# digits_low_budget_ssl_pool21f.py, the supervised EquAL and BALD in
# digits_low_budget_methods.py (same experiment configs without the SSL base), so the
# studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool21f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_methods_ssl_pool21f.py --report
_base_ = ['./digits_low_budget_methods.py']

axes = dict(
    ssl=dict(_delete_=True, SSL=dict(configs=['../_base_/ssl/s4gan_digits.py'])),
    pool=dict(
        _delete_=True,
        **{'Pool-21f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool21f.txt'})}))
