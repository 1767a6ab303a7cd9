_base_ = [
    '../_base_/models/deeplabv3plus_r18_digits.py',
    '../_base_/datasets/digit_scenes_pool11f.py',
    '../_base_/schedules/schedule_digits.py',
    '../_base_/default_runtime.py',
    '../_base_/al/uncertain_coreset.py',
]
