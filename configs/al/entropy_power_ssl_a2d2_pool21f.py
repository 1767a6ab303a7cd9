_base_ = ['./entropy_power_a2d2_pool21f.py', '../_base_/ssl/s4gan.py']
