_base_ = ['./equal_voc.py', '../_base_/ssl/s4gan.py']
