_base_ = ['./entropy_voc.py', '../_base_/ssl/s4gan.py']
