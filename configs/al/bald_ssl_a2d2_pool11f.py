_base_ = ['./bald_a2d2_pool11f.py', '../_base_/ssl/s4gan.py']
