"""Registries of mmseg_al: one child of each mmseg registry, plus ``ACQUISITIONS``.

With ``default_scope='mmseg_al'`` (set in ``configs/_base_/default_runtime.py``) a
config can name any mmseg or mmengine component and ours alike: a child registry
falls back to its parents. ``locations`` make the registries import our modules
on first use, so registration never depends on an import side effect in user code.
"""
from mmengine.registry import Registry
from mmseg import registry as mmseg_registry


def _child(name, parent, location=None):
    # mmengine imports only the searched registry's own locations, not its
    # parents', so the child carries mmseg's locations too.
    locations = list(parent._locations) + ([f'mmseg_al.{location}'] if location else [])
    return Registry(name, parent=parent, scope='mmseg_al', locations=locations)


RUNNERS = _child('runner', mmseg_registry.RUNNERS)
RUNNER_CONSTRUCTORS = _child('runner constructor', mmseg_registry.RUNNER_CONSTRUCTORS)
LOOPS = _child('loop', mmseg_registry.LOOPS)
HOOKS = _child('hook', mmseg_registry.HOOKS, 'engine')
DATASETS = _child('dataset', mmseg_registry.DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', mmseg_registry.DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', mmseg_registry.TRANSFORMS, 'datasets')
MODELS = _child('model', mmseg_registry.MODELS, 'models')
MODEL_WRAPPERS = _child('model_wrapper', mmseg_registry.MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer', mmseg_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child('optimizer', mmseg_registry.OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim_wrapper', mmseg_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'models')
PARAM_SCHEDULERS = _child('parameter scheduler', mmseg_registry.PARAM_SCHEDULERS)
METRICS = _child('metric', mmseg_registry.METRICS, 'evaluation')
EVALUATOR = _child('evaluator', mmseg_registry.EVALUATOR)
TASK_UTILS = _child('task util', mmseg_registry.TASK_UTILS)
VISUALIZERS = _child('visualizer', mmseg_registry.VISUALIZERS)
VISBACKENDS = _child('vis_backend', mmseg_registry.VISBACKENDS)
LOG_PROCESSORS = _child('log_processor', mmseg_registry.LOG_PROCESSORS)
INFERENCERS = _child('inferencer', mmseg_registry.INFERENCERS)

# Acquisition functions: built by the cycle driver from ``active_learning.acquisition``.
# ``Auto`` lives with the recommender it asks, a floor above the acquisitions.
ACQUISITIONS = Registry('acquisition', scope='mmseg_al',
                        locations=['mmseg_al.acquisition', 'mmseg_al.recommend'])
