_base_ = ['./entropy_a2d2_uniform5.py', '../_base_/ssl/s4gan.py']
