# The study's third finding on one redundant pool: does s4GAN SSL help a batch-based
# method (Coreset) more than a single-sample one (Entropy), and how strong is
# Random-SSL? Pool-11f, 10-10, 3 seeds, each method with and without SSL, plus the
# 100 % row. The supervised runs are those of digits_redundancy_core_mid.py (same
# experiment configs, so they can be copied into this study's dir; the runner then
# skips them).
#   python tools/al_study.py configs/studies/digits_ssl_pool11f.py --workers 2
#   python tools/al_study.py configs/studies/digits_ssl_pool11f.py --report
_base_ = ['./digits_redundancy.py']

_features = {'active_learning.save_pool_features': True}
_pool11f = {'train_dataloader.dataset.ann_file': 'pools/pool11f.txt'}
_budget = {'active_learning.initial': 10, 'active_learning.step': 10,
           'active_learning.num_cycles': 4, 'active_learning.report_budgets': (30, 50)}
axes = dict(
    _delete_=True,
    method=dict(
        Entropy=dict(configs=['../al/entropy_digits_pool11f.py'], options=_features),
        Coreset=dict(configs=['../al/coreset_digits_pool11f.py'], options=_features),
        Random=dict(configs=['../al/random_digits_pool11f.py'])),
    ssl=dict(
        sup=dict(),
        SSL=dict(configs=['../_base_/ssl/s4gan_digits.py'])),
    pool={'Pool-11f': dict(options=_pool11f)},
    budget={'10-10': dict(options=_budget)})
experiments = [
    dict(name='full_Pool-11f', configs=['../al/random_digits_pool11f.py'],
         options={**_pool11f, 'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool='Pool-11f', ssl='sup'))]
