# DeepLabv3+ on Wide-ResNet-38 at output stride 8: the study's network.
# ImageNet weights: convert the public checkpoint once, to the path below:
#   python tools/convert_wrn38.py wider_resnet38.pth.tar pretrain/wrn38_imagenet.pth
# (or set model.backbone.allow_random_init=True to train from random weights).
# Coreset features: `decode_head.bottleneck` is the ASPP output, 256 x H/8 x W/8.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='WideResNet38',
        out_indices=(1, 6),  # mod2 (128 ch, stride 2) and mod7 (4096 ch, stride 8)
        norm_cfg=norm_cfg,
        frozen_stages=-1,
        init_cfg=dict(type='Pretrained', checkpoint='pretrain/wrn38_imagenet.pth')),
    decode_head=dict(
        type='DeepLabV3PlusHead',
        in_channels=4096,
        in_index=1,
        channels=256,
        dilations=(1, 12, 24, 36),
        c1_in_channels=128,
        c1_channels=48,
        dropout_ratio=0.0,  # no dropout: the MC-dropout variant is *_mcd.py
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        # Ignored pixels (255) do not count in the mean, as in PyTorch's cross entropy.
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
