# U2PL at digit-scene scale: 11 classes and ~1k pixels per feature map need far fewer
# stored negatives and narrower contrastive features than the paper's 30k x 256.
_base_ = ['./u2pl.py']
ssl = dict(model=dict(rep_channels=64, memory_size=2000))
