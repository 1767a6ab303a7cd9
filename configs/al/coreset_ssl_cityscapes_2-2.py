_base_ = ['./coreset_cityscapes_2-2.py', '../_base_/ssl/s4gan_cityscapes.py']
