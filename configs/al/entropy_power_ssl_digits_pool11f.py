# Entropy-SSL with stochastic batches (power, beta=1); every cycle trains s4GAN on
# labeled + unlabeled images.
_base_ = ['./entropy_power_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
