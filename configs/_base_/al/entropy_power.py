# Entropy with stochastic batches (Kirsch et al., TMLR 2023): instead of the top-b,
# the batch is drawn without replacement, each pick with probability proportional to
# entropy^beta among the images not yet drawn (Gumbel-top-k). beta=0 is Random, a large
# beta is Entropy; mode='softmax' weighs by exp(beta * s), 'softrank' by rank^-beta.
# Any score acquisition (EquAL, BALD) takes the same sampling option.
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(type='EntropyAcquisition', sampling=dict(mode='power', beta=1.0)))
