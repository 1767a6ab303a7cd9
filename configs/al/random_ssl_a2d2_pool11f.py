_base_ = ['./random_a2d2_pool11f.py', '../_base_/ssl/s4gan.py']
