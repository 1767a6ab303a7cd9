# The entropy digit-scene experiment plus a hook that tests use to simulate a kill.
_base_ = ['../../../configs/al/entropy_digits_pool11f.py']
custom_hooks = [dict(type='CrashHook')]
