# The third finding at the diverse end: Random, Entropy and Coreset with s4GAN SSL on
# Pool-0f, 10-10, 3 seeds. The guide (the study's Table 7) pairs SSL with batch-based
# acquisition on redundant data and with Random at low budgets on diverse data; here is
# the diverse pool at the larger budget. The supervised twins are the Pool-0f runs of
# digits_redundancy_core.py (same experiment configs without the SSL base), so the two
# studies' tables pair by seed.
#   python tools/al_study.py configs/studies/digits_ssl_pool0f.py --workers 2
#   python tools/al_study.py configs/studies/digits_ssl_pool0f.py --report
_base_ = ['./digits_ssl_pool11f.py']

axes = dict(
    ssl=dict(_delete_=True, SSL=dict(configs=['../_base_/ssl/s4gan_digits.py'])),
    pool=dict(
        _delete_=True,
        **{'Pool-0f': dict(options={'train_dataloader.dataset.ann_file': 'pools/pool0f.txt'})}))
experiments = []
