"""Registries of mmseg_al: children of mmseg's, so mmseg components resolve too.

With ``default_scope='mmseg_al'`` (set in ``configs/_base_/default_runtime.py``)
a config can name any mmseg or mmengine component and ours alike. ``locations``
make the registries import our modules on first use, so registration never
depends on an import side effect in user code.
"""
from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS

DATASETS = Registry('dataset', parent=MMSEG_DATASETS, scope='mmseg_al',
                    locations=['mmseg_al.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMSEG_DATA_SAMPLERS, scope='mmseg_al',
                         locations=['mmseg_al.datasets'])
TRANSFORMS = Registry('transform', parent=MMSEG_TRANSFORMS, scope='mmseg_al',
                      locations=['mmseg_al.datasets'])
MODELS = Registry('model', parent=MMSEG_MODELS, scope='mmseg_al',
                  locations=['mmseg_al.models'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mmseg_al', locations=['mmseg_al.models'])
HOOKS = Registry('hook', parent=MMSEG_HOOKS, scope='mmseg_al', locations=['mmseg_al.engine'])
METRICS = Registry('metric', parent=MMSEG_METRICS, scope='mmseg_al',
                   locations=['mmseg_al.evaluation'])

# Acquisition functions: built by the cycle driver from ``active_learning.acquisition``.
ACQUISITIONS = Registry('acquisition', scope='mmseg_al', locations=['mmseg_al.acquisition'])
