# U2PL (Wang et al., CVPR 2022): mean teacher + reliable pseudo-labels + contrastive
# negatives from unreliable pixels. Add to the _base_ of any supervised AL config.
# rescale_pseudo_loss: U2PL's weighting, the mean over reliable pixels times
# all / reliable pixels (1.25x at 80 % reliable); False gives the plain mean.
ssl = dict(
    model=dict(
        type='U2PLSegmentor',
        semi_train_cfg=dict(
            unsup_weight=1.0, contrastive_weight=1.0, rescale_pseudo_loss=True,
            reliable_percent=80, low_entropy_percent=20, cutmix_prob=0.5,
            class_threshold=0.3, low_rank=3, high_rank=20, temperature=0.5,
            num_queries=256, num_negatives=50),
        semi_test_cfg=dict(predict_on='teacher'),
        rep_channels=256, memory_size=30000),
    custom_hooks=[dict(type='EMATeacherHook', momentum=0.01)],
    unlabeled_ratio=1.0)
