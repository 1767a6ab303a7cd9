from mmseg_al.oracle.dataset_oracle import DatasetOracle
from mmseg_al.oracle.human_oracle import HumanOracle, WaitingForLabels
from mmseg_al.oracle.label_import import IMPORTED, WAITING, import_labels, waiting_cycle

ORACLES = dict(dataset=DatasetOracle, human=HumanOracle)


def build_oracle(cfg, **defaults):
    """An oracle from ``active_learning.oracle``: a name, or a dict with ``type`` + options."""
    cfg = dict(type=cfg) if isinstance(cfg, str) else dict(cfg)
    kind = cfg.pop('type', 'dataset')
    if kind not in ORACLES:
        raise ValueError(f'Unknown active_learning.oracle {kind!r}; use one of {sorted(ORACLES)}.')
    if kind == 'dataset':
        return DatasetOracle(**cfg)
    return HumanOracle(**{**defaults, **cfg})


__all__ = ['DatasetOracle', 'HumanOracle', 'IMPORTED', 'ORACLES', 'WAITING', 'WaitingForLabels',
           'build_oracle', 'import_labels', 'waiting_cycle']
