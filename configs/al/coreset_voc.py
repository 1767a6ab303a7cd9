_base_ = [
    '../_base_/models/deeplabv3plus_wrn38.py',
    '../_base_/datasets/voc12aug.py',
    '../_base_/schedules/schedule_wrn38_10k.py',
    '../_base_/default_runtime.py',
    '../_base_/al/coreset.py',
]
crop_size = (321, 321)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=21))
# The study's training per cycle (docs/configs.md, "How long a cycle trains").
active_learning = dict(epochs_per_cycle=100, training='reset_backbone')
