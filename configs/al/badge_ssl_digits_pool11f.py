# BADGE-SSL: BADGE acquisition; every cycle trains s4GAN on labeled + unlabeled images.
_base_ = ['./badge_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
