# Batch-aware acquisition on the digit scenes: PowerEntropy (Entropy with stochastic
# batches, power, beta=1), BADGE and UncertainCoreset (Coreset among the 4b most uncertain)
# beside Random, Entropy and Coreset, all re-run here (same machine, same thread count).
# Supervised, on the diverse Pool-0f and the redundant Pool-21f, 5 seeds. 10-10 (60 runs)
# first, then 5-5:
#   python tools/al_study.py configs/studies/digits_batch_aware.py --only budget=10-10 --workers 2
#   python tools/al_study.py configs/studies/digits_batch_aware.py --only budget=5-5 --workers 2
#   python tools/al_study.py configs/studies/digits_batch_aware.py --report
# Paths are relative to this file.
seeds = [0, 1, 2, 3, 4]

_pools = {'Pool-0f': 'pool0f', 'Pool-21f': 'pool21f'}
axes = dict(
    method=dict(
        Random=dict(configs=['../al/random_digits_pool11f.py']),
        Entropy=dict(configs=['../al/entropy_digits_pool11f.py']),
        Coreset=dict(configs=['../al/coreset_digits_pool11f.py']),
        PowerEntropy=dict(configs=['../al/entropy_power_digits_pool11f.py']),
        BADGE=dict(configs=['../al/badge_digits_pool11f.py']),
        UncertainCoreset=dict(configs=['../al/uncertain_coreset_digits_pool11f.py'])),
    ssl=dict(sup=dict()),
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={
        '10-10': dict(options={'active_learning.initial': 10, 'active_learning.step': 10,
                               'active_learning.num_cycles': 4,
                               'active_learning.report_budgets': (30, 50)}),
        '5-5': dict(options={'active_learning.initial': 5, 'active_learning.step': 5,
                             'active_learning.num_cycles': 4,
                             'active_learning.report_budgets': (15, 25)})})
# Each method's AUC is compared seed by seed with Entropy's and Coreset's.
report = dict(references=['Entropy', 'Coreset'])
slurm = dict(cpus_per_task=2, gpus_per_task=0, time_min=120)
