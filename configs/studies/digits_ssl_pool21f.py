# The study's third finding at the redundant end of the range: "batch-based + SSL" is the
# guide's (Table 7) advice for redundant data at high budgets. The SSL study on Pool-11f
# (digits_ssl_pool11f.py) run on Pool-21f: Entropy, Coreset and Random, each with and
# without s4GAN SSL, 10-10, 3 seeds, plus the 100 % row. The supervised runs have the
# configs of digits_redundancy_core.py's Pool-21f runs, so they reproduce them.
#   python tools/al_study.py configs/studies/digits_ssl_pool21f.py --workers 2
#   python tools/al_study.py configs/studies/digits_ssl_pool21f.py --report
_base_ = ['./digits_ssl_pool11f.py']

_pool21f = {'train_dataloader.dataset.ann_file': 'pools/pool21f.txt'}
axes = dict(pool={'_delete_': True, 'Pool-21f': dict(options=_pool21f)})
experiments = [
    dict(name='full_Pool-21f', configs=['../al/random_digits_pool11f.py'],
         options={**_pool21f, 'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool='Pool-21f', ssl='sup'))]
