# U2PL at digit-scene scale: 11 classes and ~1k pixels per feature map need far fewer
# stored negatives and narrower contrastive features than the paper's 30k x 256. The
# model starts from scratch (no ImageNet weights), so the first third of training is
# supervised only (U2PL's sup_only_epoch); the EMA starts where self-training does
# (keep the two 330s equal).
_base_ = ['./u2pl.py']
ssl = dict(
    model=dict(rep_channels=64, memory_size=2000, semi_train_cfg=dict(sup_only_iters=330)),
    custom_hooks=[dict(type='EMATeacherHook', momentum=0.01, start_iter=330)])
