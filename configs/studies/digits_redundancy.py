# The digit-scene study: which acquisition wins under which redundancy, budget and
# supervision. 4 pools x 5 methods x {supervised, s4GAN} x 2 budgets, plus the 100 %
# rows and BALD's Random-MCD controls, each over 3 seeds (279 runs), all with the
# backbone trained from scratch; UncertainCoreset, the batch-aware method that tied
# Entropy in docs/study/batch_aware/, in the core cells (12 runs); and the core of the grid
# in the paper's regime, a pretrained backbone (tag regime=pretrained, 57 runs; see below):
#   python tools/al_study.py configs/studies/digits_redundancy.py --workers 2
#   python tools/al_study.py configs/studies/digits_redundancy.py --workers 2 \
#       --only pool=Pool-0f method=EquAL,BALD       # a part of the grid
#   python tools/al_study.py configs/studies/digits_redundancy.py --workers 2 \
#       --only regime=pretrained                    # the pretrained regime
#   python tools/al_study.py configs/studies/digits_redundancy.py --report
# Its committed results (mmseg_al/recommend/data/digit_study.csv) give docs/study/report.md:
#   python tools/al_study.py configs/studies/digits_redundancy.py --report \
#       --table mmseg_al/recommend/data/digit_study.csv --out docs/study
# Paths are relative to this file.
seeds = [0, 1, 2]

_pools = {'Pool-0f': 'pool0f', 'Pool-11f': 'pool11f', 'Pool-21f': 'pool21f',
          'Pool-Aug': 'poolaug'}
_budget_10 = {'active_learning.initial': 10, 'active_learning.step': 10,
              'active_learning.num_cycles': 4, 'active_learning.report_budgets': (30, 50)}
# The configs each ssl setting adds, in the axis and in the explicit experiments below.
_ssl_configs = dict(sup=[], SSL=['../_base_/ssl/s4gan_digits.py'])
# Entropy and Coreset keep their pool features at each acquisition for the t-SNE.
_features = {'active_learning.save_pool_features': True}
axes = dict(
    method=dict(
        Random=dict(configs=['../al/random_digits_pool11f.py']),
        Entropy=dict(configs=['../al/entropy_digits_pool11f.py'], options=_features),
        EquAL=dict(configs=['../al/equal_digits_pool11f.py']),
        BALD=dict(configs=['../al/bald_digits_pool11f.py']),
        Coreset=dict(configs=['../al/coreset_digits_pool11f.py'], options=_features)),
    ssl=dict(
        sup=dict(),
        SSL=dict(configs=_ssl_configs['SSL'])),
    pool={name: dict(options={'train_dataloader.dataset.ann_file': f'pools/{pool}.txt'})
          for name, pool in _pools.items()},
    budget={
        '10-10': dict(options=_budget_10),
        '5-5': dict(options={'active_learning.initial': 5, 'active_learning.step': 5,
                             'active_learning.num_cycles': 4,
                             'active_learning.report_budgets': (15, 25)})})
# "100 %" and "100 % MCD" (the MC-dropout model BALD is compared with): the whole pool,
# no acquisition; shown under every budget of their pool.
experiments = [
    dict(name=f'{label}_{pool}', configs=[config],
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method=method, pool=pool, ssl='sup'))
    for pool, file in _pools.items()
    for label, method, config in (('full', '100%', '../al/random_digits_pool11f.py'),
                                  ('full-mcd', '100% MCD', '../al/full_mcd_digits_pool11f.py'))]
# "Random-MCD": Random acquisition on BALD's MC-dropout model (dropout 0.5 before the
# classifier), which tells BALD's picks from its model; at 10-10 on every pool, and with
# s4GAN on Pool-0f.
experiments += [
    dict(name=f'Random-MCD{"_SSL" if ssl == "SSL" else ""}_{pool}_10-10',
         configs=['../al/random_digits_pool11f.py'] + _ssl_configs[ssl],
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt', **_budget_10,
                  'model.decode_head.dropout_ratio': 0.5},
         tags=dict(method='Random-MCD', ssl=ssl, pool=pool, budget='10-10'))
    for pool, file in _pools.items() for ssl in ('sup', 'SSL')
    if ssl == 'sup' or pool == 'Pool-0f']
# UncertainCoreset (Coreset among the 4b most uncertain frames) in the core cells only:
# supervised and s4GAN on Pool-0f and Pool-21f at 10-10, the twins of its pretrained cells.
experiments += [
    dict(name=f'UncertainCoreset_{ssl}_{pool}_10-10',
         configs=['../al/uncertain_coreset_digits_pool11f.py'] + _ssl_configs[ssl],
         options={'train_dataloader.dataset.ann_file': f'pools/{_pools[pool]}.txt',
                  **_budget_10},
         tags=dict(method='UncertainCoreset', ssl=ssl, pool=pool, budget='10-10'))
    for ssl in ('sup', 'SSL') for pool in ('Pool-0f', 'Pool-21f')]
# The pretrained regime (configs/_base_/models/deeplabv3plus_r18_digits_pretrained.py,
# docs/models.md): Random, Entropy, Coreset, UncertainCoreset x {supervised, s4GAN} x
# {Pool-0f, Pool-21f} at 10-10, and its learning curve (100 % of Pool-0f, -11f, -21f;
# Random 10 -> 50 % on Pool-0f is the Random_sup_Pool-0f_10-10 row). Each is named as its
# from-scratch twin plus `_pretrained` and tagged regime=pretrained; the report keeps the
# regimes apart and pairs each cell with its twin. Explicit, not an axis: an axis value is
# part of every experiment's name, so it would rename (and orphan) the 279 finished runs.
_regime = ['../_base_/models/deeplabv3plus_r18_digits_pretrained.py',
           '../_base_/datasets/digit_scenes_pool11f.py', '../_base_/default_runtime.py']
_methods = dict(Random=('../_base_/al/random.py', {}),
                Entropy=('../_base_/al/entropy.py', _features),
                Coreset=('../_base_/al/coreset.py', _features),
                UncertainCoreset=('../_base_/al/uncertain_coreset.py', {}))
experiments += [
    dict(name=f'{method}_{ssl}_{pool}_10-10_pretrained',
         configs=[config] + _regime + _ssl_configs[ssl],
         options={**features, 'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  **_budget_10},
         tags=dict(method=method, ssl=ssl, pool=pool, budget='10-10', regime='pretrained'))
    for method, (config, features) in _methods.items() for ssl in ('sup', 'SSL')
    for pool, file in _pools.items() if pool in ('Pool-0f', 'Pool-21f')]
experiments += [
    dict(name=f'full_{pool}_pretrained', configs=['../_base_/al/random.py'] + _regime,
         options={'train_dataloader.dataset.ann_file': f'pools/{file}.txt',
                  'active_learning.initial': 100, 'active_learning.num_cycles': 0,
                  'active_learning.report_budgets': (100, )},
         tags=dict(method='100%', pool=pool, ssl='sup', regime='pretrained'))
    for pool, file in _pools.items() if pool != 'Pool-Aug']
report = dict(tsne_methods=['Entropy', 'Coreset'], references=['Random', 'Coreset'])
slurm = dict(cpus_per_task=2, gpus_per_task=0, time_min=120)
