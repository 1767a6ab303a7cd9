# EquAL and BALD with s4GAN SSL on the diverse Pool-0f, 10-10, 3 seeds. With them, the
# Pool-0f 10-10 cell holds all five methods with and without SSL: Random-, Entropy- and
# Coreset-SSL are in digits_ssl_pool0f.py, their supervised twins in
# digits_redundancy_core.py, the supervised EquAL and BALD in digits_methods_pool0f_aug.py
# (same experiment configs without the SSL base), so the studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool0f.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool0f.py --report
_base_ = ['./digits_ssl_pool0f.py']

axes = dict(
    method=dict(
        _delete_=True,
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py'])))
