# The control that splits BALD-SSL's loss into its model and its picks: Random acquisition
# on BALD's MC-dropout model (dropout 0.5 before the classifier) with s4GAN SSL, beside
# BALD-SSL, Pool-0f, 10-10, 3 seeds; as Random-MCD stands beside BALD in
# digits_methods_pool0f_aug.py. The BALD-SSL runs are those of digits_methods_ssl_pool0f.py
# (same experiment config, so they can be copied into this study's dir; the runner then
# skips them). Random-MCD-SSL is outside the grid of digits_redundancy.py, like Random-MCD.
#   python tools/al_study.py configs/studies/digits_mcd_ssl_pool0f.py --workers 2
#   python tools/al_study.py configs/studies/digits_mcd_ssl_pool0f.py --report
_base_ = ['./digits_methods_ssl_pool0f.py']

axes = dict(
    method=dict(
        _delete_=True,
        BALD=dict(configs=['../al/bald_digits_pool11f.py']),
        **{'Random-MCD': dict(configs=['../al/random_digits_pool11f.py'],
                              options={'model.decode_head.dropout_ratio': 0.5})}))
