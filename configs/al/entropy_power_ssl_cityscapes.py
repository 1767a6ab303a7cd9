_base_ = ['./entropy_power_cityscapes.py', '../_base_/ssl/s4gan_cityscapes.py']
