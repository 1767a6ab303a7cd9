_base_ = ['./random_voc.py', '../_base_/ssl/s4gan.py']
