_base_ = ['./random_cityscapes.py', '../_base_/ssl/s4gan_cityscapes.py']
