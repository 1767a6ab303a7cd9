# The study's default budget "10-10": 10 % of the pool labeled at random, then
# 10 % more per acquisition, up to 50 % (4 acquisitions, 5 trainings).
# mIoU@30 and AUC@50 are the paper's summary numbers. Defaults of the remaining
# keys (unit, training, query_batch_size, keep_checkpoints) are in
# mmseg_al/engine/al_loop.py:AL_DEFAULTS.
active_learning = dict(initial=10, step=10, num_cycles=4, report_budgets=(30, 50))
