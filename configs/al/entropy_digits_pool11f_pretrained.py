# The README demo (Entropy on Pool-11f) in the pretrained regime; the model base
# carries its own schedule (see deeplabv3plus_r18_digits_pretrained.py).
_base_ = [
    '../_base_/models/deeplabv3plus_r18_digits_pretrained.py',
    '../_base_/datasets/digit_scenes_pool11f.py',
    '../_base_/default_runtime.py',
    '../_base_/al/entropy.py',
]
