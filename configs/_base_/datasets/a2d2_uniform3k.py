# A2D2-3K's Uniform baseline: 3,000 train frames evenly spaced in time, trained on as is.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/uniform3k.txt'))
