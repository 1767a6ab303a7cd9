# Pool-11f: 2,640 frames, 220 random seed frames plus the 11 frames after each.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/pool11f.txt'))
