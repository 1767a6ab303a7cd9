# The low budget on Pool-Aug: Random, Entropy and Coreset at 5-5 (5 % random, then 5 % per
# cycle up to 25 %), supervised, 3 seeds; the same experiment configs as
# digits_low_budget.py, which ran them on Pool-0f and Pool-21f. Pool-Aug holds 5 augmented
# copies of each frame, so it is redundant by construction (the study's Fig. 1), and the
# guide (its Table 7) advises batch-based acquisition for redundant data at low budgets;
# Pool-21f is the other redundant pool at 5-5. Its 100 % row is in
# digits_redundancy_core_mid.py; the full grid's report joins them (tools/al_study.py ...
# --report --tables).
#   python tools/al_study.py configs/studies/digits_low_budget_aug.py --workers 2
#   python tools/al_study.py configs/studies/digits_low_budget_aug.py --report
_base_ = ['./digits_low_budget.py']

axes = dict(
    pool=dict(
        _delete_=True,
        **{'Pool-Aug': dict(options={'train_dataloader.dataset.ann_file': 'pools/poolaug.txt'})}))
experiments = []
