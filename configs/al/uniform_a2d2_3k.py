# A2D2-3K baseline Uniform: 3,000 frames evenly spaced in time, all labeled, one
# training (no acquisition).
_base_ = './random_a2d2_3k.py'
train_dataloader = dict(dataset=dict(ann_file='pools/uniform3k.txt'))
active_learning = dict(initial=3000, num_cycles=0)
