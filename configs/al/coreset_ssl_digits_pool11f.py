# Coreset-SSL: Coreset acquisition; every cycle trains s4GAN on labeled + unlabeled images.
_base_ = ['./coreset_digits_pool11f.py', '../_base_/ssl/s4gan_digits.py']
