# The low budget on the diverse end of the redundancy range: the core study's Random,
# Entropy and Coreset on Pool-0f at 5-5 (5 % random, then 5 % per cycle up to 25 %),
# supervised, 3 seeds, plus the 100 % row. The study's guide says Random suits diverse
# data at low budgets; this grid tests it.
#   python tools/al_study.py configs/studies/digits_low_budget_pool0f.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_pool0f.py --report
_base_ = ['./digits_redundancy_core.py']

_pool0f = {'train_dataloader.dataset.ann_file': 'pools/pool0f.txt'}
axes = dict(
    pool={'_delete_': True, 'Pool-0f': dict(options=_pool0f)},
    budget={
        '_delete_': True,
        '5-5': dict(options={'active_learning.initial': 5, 'active_learning.step': 5,
                             'active_learning.num_cycles': 4,
                             'active_learning.report_budgets': (15, 25)})})
experiments = [
    dict(name='full_Pool-0f', configs=['../al/random_digits_pool11f.py'],
         options={**_pool0f, 'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool='Pool-0f', ssl='sup'))]
