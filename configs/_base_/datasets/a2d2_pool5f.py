# Pool-5f: 2,640 frames, 440 random seed frames plus the 5 frames after each.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/pool5f.txt'))
