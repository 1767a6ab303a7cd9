# The core digit-scene study (digits_redundancy_core.py: Random, Entropy, Coreset,
# supervised, 10-10, 3 seeds, plus the 100 % row) on the two pools it left out: Pool-11f
# (redundant, between its two ends) and Pool-Aug (seed frames and augmented copies).
# Together the two give four pools for the recommender's leave-one-pool-out validation.
#   python tools/al_study.py configs/studies/digits_redundancy_core_mid.py --workers 2
#   python tools/al_study.py configs/studies/digits_redundancy_core_mid.py --report
_base_ = ['./digits_redundancy_core.py']

_pools = {'Pool-11f': 'pool11f', 'Pool-Aug': 'poolaug'}
axes = dict(pool={'_delete_': True,
                  **{name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
                     for name, pool in _pools.items()}})
experiments = [
    dict(name=f'full_{pool}', configs=['../al/random_digits_pool11f.py'],
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool=pool, ssl='sup'))
    for pool, file in _pools.items()]
