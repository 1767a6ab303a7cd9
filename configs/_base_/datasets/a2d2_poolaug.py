# Pool-Aug: 440 random frames plus 5 augmented copies of each (2,640 frames).
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/poolaug.txt'))
