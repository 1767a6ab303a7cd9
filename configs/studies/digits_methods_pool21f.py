# The two single-sample methods the core study left out, EquAL and BALD, at the redundant
# end of the range (Pool-21f), where the study says single-sample methods collapse onto
# near-duplicates. Supervised, 10-10, 3 seeds, with the controls of
# digits_methods_pool11f.py: Random-MCD (Random acquisition on BALD's MC-dropout model)
# and the 100 % MCD row. Random, Entropy, Coreset and the 100 % row of Pool-21f are in
# digits_redundancy_core.py and digits_ssl_pool21f.py (same configs); the full grid's
# report puts them side by side (tools/al_study.py ... --report --tables).
#   python tools/al_study.py configs/studies/digits_methods_pool21f.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_pool21f.py --report
_base_ = ['./digits_methods_pool11f.py']

_pool21f = {'train_dataloader.dataset.ann_file': 'pools/pool21f.txt'}
_budget = {'active_learning.initial': 10, 'active_learning.step': 10,
           'active_learning.num_cycles': 4, 'active_learning.report_budgets': (30, 50)}
_full = {**_pool21f, 'active_learning.initial': 100, 'active_learning.num_cycles': 0,
         'active_learning.report_budgets': (100, )}
axes = dict(
    _delete_=True,
    method=dict(
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py'])),
    pool={'Pool-21f': dict(options=_pool21f)},
    budget={'10-10': dict(options=_budget)})
experiments = [
    dict(name='Random-MCD_Pool-21f_10-10', configs=['../al/random_digits_pool11f.py'],
         options={**_pool21f, **_budget, 'model.decode_head.dropout_ratio': 0.5},
         tags=dict(method='Random-MCD', pool='Pool-21f', budget='10-10')),
    dict(name='full-mcd_Pool-21f', configs=['../al/full_mcd_digits_pool11f.py'],
         options=_full, tags=dict(method='100% MCD', pool='Pool-21f', ssl='sup'))]
