# "100%": the digit model trained on the whole pool, the fully supervised reference
# of every AL curve on this pool; no acquisition runs.
_base_ = [
    '../_base_/models/deeplabv3plus_r18_digits.py',
    '../_base_/datasets/digit_scenes_pool11f.py',
    '../_base_/schedules/schedule_digits.py',
    '../_base_/default_runtime.py',
    '../_base_/al/random.py',
]
active_learning = dict(initial=100, num_cycles=0, report_budgets=(100, ))
