"""Turn a supervised AL cycle config into its semi-supervised ("-SSL") version.

The switch is one top-level ``ssl`` block, normally inherited from a file of
``configs/_base_/ssl/`` added to a supervised config's ``_base_`` (a top-level key,
so it never collides with the ``active_learning`` block of another base)::

    ssl = dict(
        model=dict(type='S4GANSegmentor', discriminator=dict(type='S4GANDiscriminator')),
        optim_wrapper=dict(discriminator=dict(optimizer=dict(type='Adam', lr=1e-4))),
        param_scheduler=dict(discriminator=[dict(type='PolyLR', power=0.9, by_epoch=False)]),
        custom_hooks=[],            # e.g. [dict(type='EMATeacherHook')] for U2PL
        unlabeled_ratio=1.0,        # unlabeled images per labeled image in a batch
        unlabeled_pipeline=None)    # default: the labeled pipeline minus LoadAnnotations

The cycle driver calls ``cfg = apply_ssl(cfg)`` on each cycle's Runner config after
it has set the labeled view as ``train_dataloader.dataset``.
"""
import copy

# Pipeline steps that read ground truth; the unlabeled view has none to read.
_LABEL_LOADERS = ('LoadAnnotations', 'CachedLoadAnnotations')
_DEFAULT_OPTIM_CONSTRUCTOR = 'DefaultOptimWrapperConstructor'


def without_label_loading(pipeline):
    """A copy of ``pipeline`` without the steps that read ground truth."""
    return [copy.deepcopy(t) for t in pipeline if t.get('type') not in _LABEL_LOADERS]


def ssl_train_dataloader(train_dataloader, unlabeled_ratio=1.0, unlabeled_pipeline=None):
    """A dataloader config whose every batch mixes labeled and unlabeled images.

    The labeled view keeps the supervised batch size, so an SSL run sees exactly
    as many labeled images per iteration as its supervised counterpart; each batch
    adds ``round(batch_size * unlabeled_ratio)`` unlabeled images. The unlabeled
    view is built with ``with_labels=False`` (its data infos carry no label path)
    and a pipeline that loads no labels.

    Args:
        train_dataloader (dict): supervised config; ``dataset`` is an
            ``ActiveDataset`` config with ``view='labeled'``.
        unlabeled_ratio (float): unlabeled images per labeled image, > 0.
        unlabeled_pipeline (list[dict], optional): pipeline of unlabeled images;
            by default the labeled pipeline without ``LoadAnnotations``.

    Returns:
        dict: the new dataloader config (the input is not modified).
    """
    labeled = train_dataloader.get('dataset')
    if not isinstance(labeled, dict) or labeled.get('type') != 'ActiveDataset' or \
            labeled.get('view', 'labeled') != 'labeled':
        raise ValueError(
            'SSL needs train_dataloader.dataset to be an ActiveDataset config with '
            f"view='labeled', got {labeled!r}.")
    if not unlabeled_ratio > 0:
        raise ValueError(f'ssl.unlabeled_ratio must be > 0, got {unlabeled_ratio}.')
    labeled_batch = train_dataloader['batch_size']
    num_unlabeled = max(1, round(labeled_batch * unlabeled_ratio))

    unlabeled = copy.deepcopy(labeled)
    unlabeled['view'], unlabeled['with_labels'] = 'unlabeled', False
    pool = unlabeled['dataset']
    pool['pipeline'] = (copy.deepcopy(unlabeled_pipeline) if unlabeled_pipeline is not None
                        else without_label_loading(pool.get('pipeline', [])))

    dataloader = copy.deepcopy(train_dataloader)
    batch_size = labeled_batch + num_unlabeled
    # Exact counts as ratios: the sampler then reproduces them in every batch.
    source_ratio = [labeled_batch, num_unlabeled]
    # Assigned key by key: a ConfigDict's update() would merge into the old entries.
    dataloader['batch_size'] = batch_size
    dataloader['sampler'] = dict(type='MixedBatchSampler', batch_size=batch_size,
                                 source_ratio=source_ratio)
    dataloader['dataset'] = dict(type='ConcatDataset',
                                 datasets=[copy.deepcopy(labeled), unlabeled])
    # A sampler and a batch_sampler together would be rejected by the DataLoader.
    dataloader.pop('batch_sampler', None)
    return dataloader


def _per_optimizer_schedulers(cfg, extra_optims, extra_schedulers):
    """The supervised schedule for the segmentor, ``ssl.param_scheduler[name]`` for
    each extra optimiser (none: a constant learning rate).

    mmengine applies a plain scheduler list to *every* optimiser of an
    ``OptimWrapperDict``, so a schedule that sets absolute rates (OneCycleLR's
    ``eta_max``) would drive a discriminator at the segmentor's rate. A scheduler
    without ``end`` ends with the cycle, as ``total_iters`` does.
    """
    unknown = sorted(set(extra_schedulers) - set(extra_optims))
    if unknown:
        raise ValueError(f'ssl.param_scheduler names {unknown}, which have no optimiser in '
                         f'ssl.optim_wrapper ({sorted(extra_optims)}).')
    schedulers = dict(segmentor=copy.deepcopy(cfg.get('param_scheduler') or []))
    for name in extra_optims:
        entries = extra_schedulers.get(name) or []
        entries = [entries] if isinstance(entries, dict) else entries
        schedulers[name] = [dict(entry, end=entry.get('end', cfg.train_cfg.max_iters))
                            for entry in entries]
    return schedulers


def ssl_model_type(cfg):
    """The SSL segmentor a config trains with (``ssl.model.type``); None when supervised."""
    return (cfg.get('ssl') or {}).get('model', {}).get('type')


def apply_ssl(cfg):
    """Return the SSL version of one cycle's Runner config, or ``cfg`` itself if it has no ``ssl``.

    Wraps ``cfg.model`` into the SSL segmentor (``ssl.model`` with
    ``segmentor=cfg.model``; ``semi_train_cfg.total_iters`` defaults to
    ``train_cfg.max_iters``), gives extra submodules their optimisers (the
    supervised ``optim_wrapper`` and ``param_scheduler`` become the ``segmentor``
    entries of a ``MultiOptimWrapperConstructor`` and of a per-optimiser schedule,
    the others come from ``ssl.optim_wrapper`` and ``ssl.param_scheduler``), appends
    ``ssl.custom_hooks`` and mixes the unlabeled pool into every training batch (:func:`ssl_train_dataloader`).

    Args:
        cfg (mmengine.Config): a cycle config whose train dataset is the labeled view.

    Returns:
        mmengine.Config: a modified copy, without the ``ssl`` block (so applying
        it twice cannot wrap the model twice).
    """
    if not cfg.get('ssl'):
        return cfg
    cfg = copy.deepcopy(cfg)
    ssl = cfg.pop('ssl')
    if 'model' not in ssl:
        raise ValueError('The ssl block needs a "model" entry naming the SSL segmentor, got '
                         f"{dict(ssl)}; e.g. add '../_base_/ssl/s4gan.py' to _base_.")
    if 'max_iters' not in cfg.train_cfg:
        raise ValueError('SSL training mixes an endless stream of unlabeled images into every '
                         f'batch and needs an iteration-based train_cfg, got {cfg.train_cfg}.')
    model = copy.deepcopy(ssl['model'])
    model['segmentor'] = cfg.model
    semi_train_cfg = dict(model.get('semi_train_cfg') or {})
    semi_train_cfg.setdefault('total_iters', cfg.train_cfg.max_iters)
    model['semi_train_cfg'] = semi_train_cfg
    cfg.model = model

    extra_optims = ssl.get('optim_wrapper')
    if extra_optims:
        segmentor_optim = copy.deepcopy(cfg.optim_wrapper)
        constructor = segmentor_optim.pop('constructor', _DEFAULT_OPTIM_CONSTRUCTOR)
        if constructor != _DEFAULT_OPTIM_CONSTRUCTOR:
            raise ValueError(f'The supervised optim_wrapper uses constructor "{constructor}"; '
                             'SSL with extra optimisers supports the default constructor only.')
        cfg.optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
                                 segmentor=segmentor_optim, **copy.deepcopy(extra_optims))
        cfg.param_scheduler = _per_optimizer_schedulers(cfg, extra_optims,
                                                        ssl.get('param_scheduler') or {})
    elif ssl.get('param_scheduler'):
        raise ValueError('ssl.param_scheduler schedules extra optimisers, but ssl has no '
                         'optim_wrapper entries to schedule.')
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + list(ssl.get('custom_hooks', []))
    cfg.train_dataloader = ssl_train_dataloader(
        cfg.train_dataloader, ssl.get('unlabeled_ratio', 1.0), ssl.get('unlabeled_pipeline'))
    return cfg
