_base_ = ['./entropy_cityscapes.py', '../_base_/ssl/s4gan_cityscapes.py']
