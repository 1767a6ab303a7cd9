_base_ = ['./random_voc_2-2.py', '../_base_/ssl/s4gan.py']
