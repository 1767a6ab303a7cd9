_base_ = ['./bald_voc.py', '../_base_/ssl/s4gan.py']
