# Auto: at the first acquisition the recommender (fitted on `study`) picks the
# acquisition for this pool's redundancy and budget; every cycle then delegates to it.
# The choice is kept in <work_dir>/auto_acquisition.json and in each selection.json.
# study=None: the paper's real-data tables (shipped with the package); 'digits' for the
# digit-scene study, or a study dir of tools/al_study.py. Set ssl=True when the experiment
# trains with SSL.
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(
        type='Auto',
        study=None,
        budget=None,  # 'I-S'; None reads it from the experiment
        ssl=False,
        candidates=('RandomAcquisition', 'EntropyAcquisition', 'EquALAcquisition',
                    'CoresetAcquisition')))
