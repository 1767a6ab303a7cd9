# EquAL by flip disagreement (the study's text). Add score='entropy_sum' to the
# acquisition to rank as the study's published code does (entropy of both views).
_base_ = ['./budget_10_10.py']
active_learning = dict(acquisition=dict(type='EquALAcquisition'))
