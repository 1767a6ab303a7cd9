# Random-SSL with U2PL instead of s4GAN (mean teacher; acquisition reads the teacher).
_base_ = ['./random_digits_pool11f.py', '../_base_/ssl/u2pl_digits.py']
