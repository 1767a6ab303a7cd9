# Needs a model with decoder dropout (models/*_mcd.py). T passes of the decode
# head per image; samples_per_forward bounds how many run in one batch.
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(type='BALDAcquisition', num_samples=20, samples_per_forward=None))
