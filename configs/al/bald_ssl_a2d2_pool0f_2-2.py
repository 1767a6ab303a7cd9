_base_ = ['./bald_a2d2_pool0f_2-2.py', '../_base_/ssl/s4gan.py']
