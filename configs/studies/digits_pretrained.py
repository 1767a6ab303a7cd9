# The digit-scene study in the paper's regime: the backbone starts from pretrained
# weights (configs/_base_/models/deeplabv3plus_r18_digits_pretrained.py; docs/models.md),
# as the paper's ImageNet-pretrained WRN-38 does. The core of digits_redundancy.py's grid:
# Random, Entropy, Coreset x {supervised, s4GAN} x {Pool-0f, Pool-21f} at 10-10, plus the
# regime's learning curve (100 % of every pool used, Pool-11f included; Random 10 -> 50 %
# on Pool-0f is the Random_sup_Pool-0f_10-10 row), each over 3 seeds (45 runs):
#   python tools/pretrain_digits.py            # once; tools/al_train.py also makes it
#   python tools/al_study.py configs/studies/digits_pretrained.py --workers 2
#   python tools/al_study.py configs/studies/digits_pretrained.py --workers 2 \
#       --only method=100%                      # the learning curve first
#   python tools/al_study.py configs/studies/digits_pretrained.py --report
# A grid of its own rather than a `regime` axis of digits_redundancy.py: an axis is part
# of every experiment's name, so adding one would rename (and orphan) that study's 279
# finished runs. Names here are that study's plus `_pretrained` (what the axis would
# give), and every experiment carries the tag regime=pretrained, so the two studies'
# tables pair cell by cell. Paths are relative to this file.
seeds = [0, 1, 2]

_regime = ['../_base_/models/deeplabv3plus_r18_digits_pretrained.py',
           '../_base_/datasets/digit_scenes_pool11f.py', '../_base_/default_runtime.py']
_pools = {'Pool-0f': 'pool0f', 'Pool-21f': 'pool21f'}
# Entropy and Coreset keep their pool features at each acquisition for the t-SNE.
_features = {'active_learning.save_pool_features': True}
_methods = dict(
    Random=dict(configs=['../_base_/al/random.py']),
    Entropy=dict(configs=['../_base_/al/entropy.py'], options=_features),
    Coreset=dict(configs=['../_base_/al/coreset.py'], options=_features))
# The slot for the best batch-aware method of digits_batch_aware.py, once measured: add
# it under the same name, e.g. _methods['BADGE'] = dict(configs=['../_base_/al/badge.py'])
# (PowerEntropy: entropy_power.py, UncertainCoreset: uncertain_coreset.py), then run its
# rows alone with --only method=BADGE; the other rows keep their names.
axes = dict(
    method=_methods,
    ssl=dict(
        sup=dict(),
        SSL=dict(configs=['../_base_/ssl/s4gan_digits.py'])),
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={'10-10': dict(options={'active_learning.initial': 10, 'active_learning.step': 10,
                                   'active_learning.num_cycles': 4,
                                   'active_learning.report_budgets': (30, 50)})},
    regime=dict(pretrained=dict(configs=_regime)))
# "100 %": the whole pool, no acquisition; the top of the regime's learning curve.
experiments = [
    dict(name=f'full_{pool}_pretrained', configs=['../_base_/al/random.py'] + _regime,
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool=pool, ssl='sup', regime='pretrained'))
    for pool, file in {**_pools, 'Pool-11f': 'pool11f'}.items()]
report = dict(tsne_methods=['Entropy', 'Coreset'])
slurm = dict(cpus_per_task=2, gpus_per_task=0, time_min=120)
