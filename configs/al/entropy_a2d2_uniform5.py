# A2D2-3K baseline Uniform@5 + Entropy: the pool is every 5th train frame (~8K);
# 3 cycles of 1,000 images as in the A2D2-3K task.
_base_ = './entropy_a2d2_3k.py'
train_dataloader = dict(dataset=dict(ann_file='pools/uniform5.txt'))
