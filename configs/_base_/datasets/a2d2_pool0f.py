# Pool-0f: 2,640 frames, 2640 random seed frames plus the 0 frames after each.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/pool0f.txt'))
