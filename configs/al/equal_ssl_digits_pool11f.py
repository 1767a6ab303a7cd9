# EquAL-SSL: EquAL acquisition; every cycle trains s4GAN on labeled + unlabeled images.
_base_ = ['./equal_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
