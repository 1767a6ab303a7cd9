# The part of the digit-scene study that fits one session on 2 CPU cores (about 3.5 CPU-hours):
# the two ends of the redundancy range (Pool-0f, Pool-21f), Random against a single-sample
# (Entropy) and a batch-based (Coreset) method, supervised, 10-10, 3 seeds, plus the 100 %
# row. The full grid is configs/studies/digits_redundancy.py.
#   python tools/al_study.py configs/studies/digits_redundancy_core.py --workers 2
#   python tools/al_study.py configs/studies/digits_redundancy_core.py --report
_base_ = ['./digits_redundancy.py']

_features = {'active_learning.save_pool_features': True}
_pools = {'Pool-0f': 'pool0f', 'Pool-21f': 'pool21f'}
axes = dict(
    _delete_=True,
    method=dict(
        Random=dict(configs=['../al/random_digits_pool11f.py']),
        Entropy=dict(configs=['../al/entropy_digits_pool11f.py'], options=_features),
        Coreset=dict(configs=['../al/coreset_digits_pool11f.py'], options=_features)),
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={
        '10-10': dict(options={'active_learning.initial': 10, 'active_learning.step': 10,
                               'active_learning.num_cycles': 4,
                               'active_learning.report_budgets': (30, 50)})})
experiments = [
    dict(name=f'full_{pool}', configs=['../al/random_digits_pool11f.py'],
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool=pool, ssl='sup'))
    for pool, file in _pools.items()]
