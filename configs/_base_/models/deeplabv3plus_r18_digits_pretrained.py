# The digit model in the study's regime: its backbone starts from weights pretrained on
# a task that shares no image or label with the val set (classifying single digits
# rendered from the train-side source digits; mmseg_al/datasets/digit_pretraining.py),
# as ImageNet precedes A2D2. The file is made on first use by tools/al_train.py (or by
# hand: python tools/pretrain_digits.py).
#
# This base also carries the schedule, because the rates belong to the weights: leaf
# configs list it *instead of* schedule_digits.py. The schedule is the from-scratch one
# (AdamW, 1,000 iterations, 10 % warm-up, cosine decay) with the study's optimisation
# for a pretrained backbone: the decode head at 10x the backbone's rate. The head, new
# as in the scratch regime, keeps the rate tuned for this model (2e-2); the backbone
# gets a tenth (2e-3). OneCycleLR cannot be kept: it sets one absolute rate for every
# parameter group and so would erase the 10x. Its shape is rebuilt from relative
# schedulers (LinearLR warm-up from 1/25, cosine down to 1/25e4 of the peak), which
# keep each group's own rate. Chosen before any pretrained result; never tuned.
_base_ = ['./deeplabv3plus_r18_digits.py', '../schedules/schedule_digits.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='data/digit_scenes/pretrained/r18_digits_classification.pth')))
optim_wrapper = dict(
    optimizer=dict(lr=2e-3),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
# Over schedule_digits.py's 1,000 iterations (set end/T_max with train_cfg.max_iters).
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 25, end_factor=1.0, begin=0, end=100,
         by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=900, eta_min_ratio=1 / 25e4, begin=100, end=1000,
         by_epoch=False),
]
