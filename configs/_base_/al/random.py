_base_ = ['./budget_10_10.py']
active_learning = dict(acquisition=dict(type='RandomAcquisition'))
