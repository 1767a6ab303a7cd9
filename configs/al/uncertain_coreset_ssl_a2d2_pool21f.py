_base_ = ['./uncertain_coreset_a2d2_pool21f.py', '../_base_/ssl/s4gan.py']
