# MC-dropout variant for BALD ("100% MCD" in the paper): Dropout2d after each decoder
# conv (decode_head.fuse_bottleneck) and before conv_seg, switched on at query time.
_base_ = './deeplabv3plus_wrn38.py'
model = dict(decode_head=dict(decoder_dropout_ratio=0.5, dropout_ratio=0.5))
