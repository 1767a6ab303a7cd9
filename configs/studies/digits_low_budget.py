# The low budget at both ends of the redundancy range: the core study's Random, Entropy
# and Coreset on Pool-0f and Pool-21f at 5-5 (5 % random, then 5 % per cycle up to 25 %),
# 3 seeds, supervised, plus each method with s4GAN SSL on Pool-0f, and the 100 % rows. The
# study's guide (its Table 7) says that at low budgets Random or Random-SSL suits diverse
# data and batch-based acquisition redundant data; this grid tests both halves, and on
# Pool-0f whether SSL helps a batch-based method more than a single-sample one.
#   python tools/al_study.py configs/studies/digits_low_budget.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget.py --report
_base_ = ['./digits_redundancy_core.py']

_pools = {'Pool-0f': 'pool0f', 'Pool-21f': 'pool21f'}
_budget = {'active_learning.initial': 5, 'active_learning.step': 5,
           'active_learning.num_cycles': 4, 'active_learning.report_budgets': (15, 25)}
_features = {'active_learning.save_pool_features': True}
axes = dict(
    _delete_=True,
    method=dict(
        Random=dict(configs=['../al/random_digits_pool11f.py']),
        Entropy=dict(configs=['../al/entropy_digits_pool11f.py'], options=_features),
        Coreset=dict(configs=['../al/coreset_digits_pool11f.py'], options=_features)),
    ssl={'sup': dict()},
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={'5-5': dict(options=_budget)})
experiments = [
    dict(name=f'{method}_SSL_Pool-0f_5-5',
         configs=[*axes['method'][method]['configs'], '../_base_/ssl/s4gan_digits.py'],
         options={**axes['method'][method].get('options', {}),
                  'train_dataloader.dataset.ann_file': 'pools/pool0f.txt', **_budget},
         tags=dict(method=method, ssl='SSL', pool='Pool-0f', budget='5-5'))
    for method in ('Random', 'Entropy', 'Coreset')
] + [
    dict(name=f'full_{pool}', configs=['../al/random_digits_pool11f.py'],
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool=pool, ssl='sup'))
    for pool, file in _pools.items()]
