# Pool-21f: 2,640 frames, 120 random seed frames plus the 21 frames after each.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/pool21f.txt'))
