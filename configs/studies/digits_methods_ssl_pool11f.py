# EquAL and BALD with s4GAN SSL on Pool-11f, 10-10, 3 seeds; digits_methods_ssl_pool0f.py on
# another pool. With them, the Pool-11f 10-10 cell holds all five methods with and without
# SSL: Random-, Entropy- and Coreset-SSL and their supervised twins are in
# digits_ssl_pool11f.py, the supervised EquAL and BALD in digits_methods_pool11f.py.
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool11f.py --report
_base_ = ['./digits_methods_ssl_pool0f.py']

axes = dict(pool=dict(
    _delete_=True,
    **{'Pool-11f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'})}))
