# The digit-scene DeepLabv3+ with Monte Carlo dropout in the decoder ("MCD"): the
# model BALD samples from, and the "100% MCD" baseline. Dropout stays only in the
# decode head (Dropout2d before the classifier), as in the paper's MCD decoder.
_base_ = ['./deeplabv3plus_r18_digits.py']
model = dict(decode_head=dict(dropout_ratio=0.5))
