_base_ = ['./entropy_a2d2_pool5f.py', '../_base_/ssl/s4gan.py']
