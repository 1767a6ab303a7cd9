_base_ = ['./entropy_voc_2-2.py', '../_base_/ssl/s4gan.py']
