_base_ = ['./badge_a2d2_pool21f.py', '../_base_/ssl/s4gan.py']
