_base_ = ['./coreset_voc.py', '../_base_/ssl/s4gan.py']
