# BALD-SSL: BALD acquisition; every cycle trains s4GAN on labeled + unlabeled images.
_base_ = ['./bald_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
