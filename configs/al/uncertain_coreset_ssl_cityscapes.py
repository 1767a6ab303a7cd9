_base_ = ['./uncertain_coreset_cityscapes.py', '../_base_/ssl/s4gan_cityscapes.py']
