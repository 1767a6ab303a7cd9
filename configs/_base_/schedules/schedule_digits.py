# Per active-learning cycle: a fresh model trained for max_iters iterations
# (about 40 s on 2 CPU cores with the small digit-scene model).
max_iters = 600
optimizer = dict(type='AdamW', lr=1e-2, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=200, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
