_base_ = [
    '../_base_/models/deeplabv3plus_wrn38.py',
    '../_base_/datasets/a2d2_pool5f.py',
    '../_base_/schedules/schedule_wrn38_10k.py',
    '../_base_/default_runtime.py',
    '../_base_/al/equal.py',
]
crop_size = (256, 512)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
# The study's training per cycle (docs/configs.md, "How long a cycle trains").
active_learning = dict(epochs_per_cycle=100, training='reset_backbone')
