# The third finding on the pool that is redundant by construction: Random, Entropy and
# Coreset with s4GAN SSL on Pool-Aug (5 augmented copies of each frame), 10-10, 3 seeds;
# digits_ssl_pool0f.py on another pool. The supervised twins are the Pool-Aug runs of
# digits_redundancy_core_mid.py (same experiment configs without the SSL base), so the two
# studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_ssl_pool_aug.py --workers 2
#   python tools/al_study.py configs/studies/digits_ssl_pool_aug.py --report
_base_ = ['./digits_ssl_pool0f.py']

axes = dict(pool=dict(
    _delete_=True,
    **{'Pool-Aug': dict(options={'train_dataloader.dataset.ann_file': 'pools/poolaug.txt'})}))
