_base_ = ['./random_a2d2_pool0f.py', '../_base_/ssl/s4gan.py']
