_base_ = [
    '../_base_/models/deeplabv3plus_wrn38.py',
    '../_base_/datasets/a2d2.py',
    '../_base_/schedules/schedule_wrn38_10k.py',
    '../_base_/default_runtime.py',
    '../_base_/al/coreset.py',
]
crop_size = (256, 512)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
# A2D2-3K: 3 cycles of 1,000 images (1,000 random, then 2 acquisitions) of all 40,135
# train frames; results are per cycle (budgets in images, so no AUC@B).
active_learning = dict(
    unit='images', initial=1000, step=1000, num_cycles=2, report_budgets=(),
    epochs_per_cycle=100, training='reset_backbone')  # the study's training per cycle
