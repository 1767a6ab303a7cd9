import json

import pytest

from mmseg_al.analysis.study_table import write_table_csv
from mmseg_al.recommend.evidence import SCORED_BY


def _write_study(path, runs, redundancy=None, supervised='sup'):
    """A study dir as tools/al_study.py leaves it after ``--report``: study.json, its
    study_table.csv (AUC@B under ``auc@50``) and, when ``redundancy`` is given, the
    pool scores it keeps (so no pool is scored from images).

    Args:
        runs (list[dict]): ``pool``, ``budget``, ``method`` (a study's tag, e.g.
            ``'Entropy'``), ``ssl`` (a tag; ``supervised`` means without SSL), ``seed``,
            ``auc``; any other key (e.g. ``auc@30``) is a column of the table.
    """
    path.mkdir(parents=True, exist_ok=True)
    table, experiments = [], {}
    for run in runs:
        name = '_'.join(str(run[k]) for k in ('method', 'ssl', 'pool', 'budget'))
        experiments[name] = dict(name=name, tags={k: run[k] for k in ('pool', 'budget',
                                                                      'method', 'ssl')},
                                 ssl_model=None if run['ssl'] == supervised else 'S4GAN')
        extra = {k: v for k, v in run.items() if k not in ('auc', 'seed')}
        table.append(dict(experiment=name, seed=run['seed'], **extra, **{'auc@50': run['auc']}))
    (path / 'study.json').write_text(json.dumps(dict(name=path.name, seeds=[0, 1, 2],
                                                     experiments=list(experiments.values()))))
    write_table_csv(table, str(path / 'study_table.csv'))
    if redundancy is not None:
        (path / 'pool_redundancy.json').write_text(json.dumps(dict(scored_by=SCORED_BY,
                                                                   redundancy=redundancy)))
    return str(path)


@pytest.fixture(scope='session')
def write_study():
    """``write_study(path, runs, redundancy=None, supervised='sup')`` -> the study dir."""
    return _write_study
