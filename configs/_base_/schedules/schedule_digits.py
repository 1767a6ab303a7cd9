# Per active-learning cycle: a fresh model trained for max_iters iterations of
# batch 8. 1,000 iterations is where the digit model trained on 100 % of Pool-11f
# passes 70 mIoU (see benchmarks/bench_digit_benchmark.py), with this one-cycle
# schedule (10 % warm-up to 2e-2, cosine decay).
max_iters = 1000
optimizer = dict(type='AdamW', lr=2e-2, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='OneCycleLR', eta_max=2e-2, total_steps=max_iters, pct_start=0.1,
         by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
