_base_ = [
    'mmseg::_base_/models/segformer_mit-b0.py',  # MMSeg's own config, as shipped
    '../_base_/datasets/digit_scenes_pool11f.py',
    '../_base_/schedules/schedule_digits.py',
    '../_base_/default_runtime.py',
    '../_base_/al/entropy.py',
]
# SegFormer-B0 from scratch on the 11 digit classes, with the digit model's schedule
# (untuned for this model). The 1/32 stage needs inputs padded to a multiple of 32.
model = dict(data_preprocessor=dict(size_divisor=32), decode_head=dict(num_classes=11))
