_base_ = ['./entropy_a2d2_3k.py', '../_base_/ssl/s4gan.py']
