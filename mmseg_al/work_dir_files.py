"""The files of an experiment's work dir, named once for every room that reads them.

The driver writes them, the oracle adds the batch to label, analyses and studies
read them; a name changed here changes everywhere.
"""
import os
import os.path as osp
import re
import shutil
import time

STATE_FILE = 'al_state.json'  # ALState: labeled ids and finished phases
RESULTS_FILE = 'results.json'  # the results document (schema in the README)
CURVE_FILE = 'miou_curve.png'
# Per cycle, in cycle_dir(work_dir, k):
LABELED_FILE = 'labeled.txt'  # the ids labeled in this cycle
SELECTION_FILE = 'selection.json'  # the acquisition's proposal; it ends the phase
POOL_FEATURES_FILE = 'pool_features.npz'  # with active_learning.save_pool_features
TO_LABEL_DIR = 'to_label'  # the human oracle's exported batch


def cycle_dir(work_dir, k):
    """``<work_dir>/cycle_<k>``: the Runner's work dir of cycle ``k``."""
    return osp.join(work_dir, f'cycle_{k}')


# ``--restart`` moves a work dir aside as ``<work_dir>.old-<time>``: a superseded attempt,
# never a result, and never deleted.
MOVED_ASIDE = re.compile(r'\.old-\d{8}-\d{6}$')


def restart_work_dir(work_dir):
    """Move an existing work dir aside (never delete results) and return the new name."""
    if not osp.isdir(work_dir):
        return None
    backup = f'{work_dir.rstrip(os.sep)}.old-{time.strftime("%Y%m%d-%H%M%S")}'
    shutil.move(work_dir, backup)
    return backup
