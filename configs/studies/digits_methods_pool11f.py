# All five acquisition methods on one redundant pool: the core study's Random, Entropy
# and Coreset (their Pool-11f runs are those of digits_redundancy_core_mid.py, same
# experiment configs, so they can be copied into this study's dir; the runner then
# skips them) next to the two single-sample methods it left out, EquAL and BALD.
# Supervised, Pool-11f, 10-10, 3 seeds, plus the 100 % and 100 % MCD rows. BALD samples
# from the MC-dropout model, so "Random-MCD" (Random acquisition, the same model) tells
# the acquisition's effect from the model's.
#   python tools/al_study.py configs/studies/digits_methods_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_methods_pool11f.py --report
_base_ = ['./digits_redundancy_core_mid.py']

_pool11f = {'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'}
axes = dict(
    method=dict(
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py'])),
    pool={'_delete_': True, 'Pool-11f': dict(options=_pool11f)})
_budget = {'active_learning.initial': 10, 'active_learning.step': 10,
           'active_learning.num_cycles': 4, 'active_learning.report_budgets': (30, 50)}
_full = {**_pool11f, 'active_learning.initial': 100, 'active_learning.num_cycles': 0,
         'active_learning.report_budgets': (100, )}
experiments = [
    dict(name='Random-MCD_Pool-11f_10-10', configs=['../al/random_digits_pool11f.py'],
         options={**_pool11f, **_budget, 'model.decode_head.dropout_ratio': 0.5},
         tags=dict(method='Random-MCD', pool='Pool-11f', budget='10-10')),
    dict(name='full_Pool-11f', configs=['../al/random_digits_pool11f.py'], options=_full,
         tags=dict(method='100%', pool='Pool-11f', ssl='sup')),
    dict(name='full-mcd_Pool-11f', configs=['../al/full_mcd_digits_pool11f.py'],
         options=_full, tags=dict(method='100% MCD', pool='Pool-11f', ssl='sup'))]
