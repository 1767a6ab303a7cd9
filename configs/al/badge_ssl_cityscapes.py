_base_ = ['./badge_cityscapes.py', '../_base_/ssl/s4gan_cityscapes.py']
