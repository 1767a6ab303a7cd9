_base_ = ['./equal_a2d2_pool0f.py', '../_base_/ssl/s4gan.py']
