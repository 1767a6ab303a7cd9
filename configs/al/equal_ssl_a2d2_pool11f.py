_base_ = ['./equal_a2d2_pool11f.py', '../_base_/ssl/s4gan.py']
