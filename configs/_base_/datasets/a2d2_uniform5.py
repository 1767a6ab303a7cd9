# A2D2-3K's Uniform@5 pool: every 5th train frame (~8K), the pool of Uniform@5 + Entropy.
_base_ = ['./a2d2.py']
train_dataloader = dict(dataset=dict(ann_file='pools/uniform5.txt'))
