_base_ = ['./coreset_voc_5-5.py', '../_base_/ssl/s4gan.py']
