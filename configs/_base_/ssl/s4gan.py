# s4GAN (Mittal et al.), the study's main SSL method. Add this file to the _base_ of
# any supervised AL config to get its "-SSL" version (mmseg_al.datasets.ssl_dataloader).
# st_threshold 0.6 as in the study and s4GAN's default; Cityscapes: s4gan_cityscapes.py.
ssl = dict(
    model=dict(
        type='S4GANSegmentor',
        discriminator=dict(type='S4GANDiscriminator', channels=(64, 128, 256, 512)),
        semi_train_cfg=dict(fm_weight=0.1, st_weight=1.0, st_threshold=0.6)),
    # The segmentor keeps the supervised optim_wrapper; the discriminator gets its own.
    optim_wrapper=dict(discriminator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))),
    # ... and its own schedule, s4GAN's poly decay over the cycle. The segmentor's
    # schedule never drives it (the digit schedule's OneCycleLR would set 2e-2).
    param_scheduler=dict(discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0,
                                             by_epoch=False)]),
    unlabeled_ratio=1.0)
