# The entropy digit-scene experiment with another stock MMSeg decode head (FCN):
# any MMSeg model config drops into the AL driver.
_base_ = ['../../../configs/al/entropy_digits_pool11f.py']
model = dict(decode_head=dict(
    _delete_=True, type='FCNHead', in_channels=128, in_index=3, channels=32, num_convs=1,
    concat_input=False, dropout_ratio=0.1, num_classes=11,
    norm_cfg=dict(type='SyncBN', requires_grad=True), align_corners=False,
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
