# A two-run study for the runner's tests: Entropy (keeping its pool features) at two
# seeds, plus an experiment that fails at start (its budget exceeds the pool).
seeds = [0, 1]
axes = dict(
    method=dict(Entropy=dict(configs=['../../../configs/al/entropy_digits_pool11f.py'],
                             options={'active_learning.save_pool_features': True})),
    pool=dict(tiny=dict()))
experiments = [dict(name='broken', configs=['../../../configs/al/random_digits_pool11f.py'],
                    options={'active_learning.initial': 95},
                    tags=dict(method='Random', pool='tiny'))]
