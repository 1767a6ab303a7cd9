# EquAL and BALD on Pool-0f (diverse) and Pool-Aug (redundant by construction: 5 augmented
# copies of each frame; the study's Fig. 1 counts it as redundant, though the colour
# redundancy score rates it 0.03, see docs/study/redundancy.md). Supervised, 10-10, 3 seeds,
# with the controls of digits_methods_pool11f.py: Random-MCD (Random acquisition on BALD's
# MC-dropout model) and the 100 % MCD row. Random, Entropy, Coreset and the 100 % rows of
# these pools are in digits_redundancy_core.py and digits_redundancy_core_mid.py (same
# configs); the full grid's report puts them side by side (tools/al_study.py ... --report
# --tables).
#   python tools/al_study.py configs/studies/digits_methods_pool0f_aug.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_pool0f_aug.py --report
_base_ = ['./digits_methods_pool11f.py']

_pools = {'Pool-0f': 'pool0f', 'Pool-Aug': 'poolaug'}
_budget = {'active_learning.initial': 10, 'active_learning.step': 10,
           'active_learning.num_cycles': 4, 'active_learning.report_budgets': (30, 50)}
axes = dict(
    _delete_=True,
    method=dict(
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py'])),
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={'10-10': dict(options=_budget)})
experiments = [
    experiment
    for name, pool in _pools.items()
    for experiment in (
        dict(name=f'Random-MCD_{name}_10-10', configs=['../al/random_digits_pool11f.py'],
             options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt', **_budget,
                      'model.decode_head.dropout_ratio': 0.5},
             tags=dict(method='Random-MCD', pool=name, budget='10-10')),
        dict(name=f'full-mcd_{name}', configs=['../al/full_mcd_digits_pool11f.py'],
             options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt',
                      'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                      'active_learning.report_budgets': (100, )},
             tags=dict(method='100% MCD', pool=name, ssl='sup')))]
