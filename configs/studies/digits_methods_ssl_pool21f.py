# EquAL and BALD with s4GAN SSL on the most redundant pool, Pool-21f, 10-10, 3 seeds;
# digits_methods_ssl_pool0f.py on another pool. With them, the Pool-21f 10-10 cell holds all
# five methods with and without SSL: Random-, Entropy- and Coreset-SSL are in
# digits_ssl_pool21f.py, their supervised twins in digits_redundancy_core.py, the supervised
# EquAL and BALD in digits_methods_pool21f.py.
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool21f.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_ssl_pool21f.py --report
_base_ = ['./digits_methods_ssl_pool0f.py']

axes = dict(pool=dict(
    _delete_=True,
    **{'Pool-21f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool21f.txt'})}))
