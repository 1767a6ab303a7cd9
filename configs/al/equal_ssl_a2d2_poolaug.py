_base_ = ['./equal_a2d2_poolaug.py', '../_base_/ssl/s4gan.py']
