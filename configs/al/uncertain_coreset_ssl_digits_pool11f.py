# Uncertain-Coreset-SSL: Coreset among the most uncertain; every cycle trains s4GAN on
# labeled + unlabeled images.
_base_ = ['./uncertain_coreset_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
