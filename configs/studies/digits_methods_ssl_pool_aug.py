# EquAL and BALD with s4GAN SSL on Pool-Aug (5 augmented copies of each frame), 10-10,
# 3 seeds; digits_methods_ssl_pool0f.py on another pool. With them, the Pool-Aug 10-10 cell
# holds all five methods with and without SSL: Random-, Entropy- and Coreset-SSL are in
# digits_ssl_pool_aug.py, their supervised twins in digits_redundancy_core_mid.py, the
# supervised EquAL and BALD in digits_methods_pool0f_aug.py.
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool_aug.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool_aug.py --report
_base_ = ['./digits_methods_ssl_pool0f.py']

axes = dict(pool=dict(
    _delete_=True,
    **{'Pool-Aug': dict(options={'train_dataloader.dataset.ann_file': 'pools/poolaug.txt'})}))
