"""Evidence for the recommender: a study's runs as typed rows, and each pool's redundancy.

Every study is read through the one table schema the study report writes
(``study_table.csv``, :mod:`mmseg_al.analysis.study_table`): a study dir of the user's,
or a study shipped in ``mmseg_al/recommend/data`` and named in :data:`PACKAGED_STUDIES`:
``'paper'`` (the default, :data:`DEFAULT_STUDY`) and ``'digits'``. A new kind of
evidence is one more reader that returns an :class:`Evidence`.

The default is the paper's real-data tables: its models start, as a user's do, from an
ImageNet-pretrained backbone on real images and real drives, while every digit-study
model trains from scratch on synthetic scenes, a regime in which s4GAN lowered every
method. The digit study is the second opinion (:mod:`mmseg_al.recommend.advice`).

A row counts when it has a budget (the 100 % rows do not) and its method names a
registered acquisition, the only thing a config can ask for (``'Entropy'`` ->
``'EntropyAcquisition'``); a control such as Random on BALD's dropout model
(``'Random-MCD'``) is left out, and so are runs of another regime than the study's
default (tag ``regime``, e.g. the digit study's pretrained cells), which would otherwise
pool with the default regime's runs of the same cell. Each budget I-S is compared at the
largest B of AUC@B every one of its runs reports.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

from mmengine.config import Config

from mmseg_al.analysis.pool_images import DEFAULT_EMBEDDING, EMBEDDINGS, PoolImages, score_pool
from mmseg_al.analysis.study_table import (REGIME, TABLE_FILE, read_study, read_table_csv,
                                           supervised_setting)
from mmseg_al.fileio import atomic_write_json, read_json
from mmseg_al.recommend.budgets import normal_budget
from mmseg_al.recommend.paper import (PAPER_SEEDS, PAPER_SOURCE, SUPERVISED,
                                      paper_pool_redundancy, paper_study_rows)
from mmseg_al.registry import ACQUISITIONS

STUDY_COLUMNS = ('pool', 'budget', 'method', 'ssl', 'seed', 'auc')
DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
DEFAULT_STUDY = 'paper'
DIGIT_SOURCE = 'the digit-scene study (package data; models trained from scratch)'
# A study dir's pool scores, written when first scored: {scored_by, redundancy: {pool: s}}.
REDUNDANCY_FILE = 'pool_redundancy.json'
# Scores name the embedding and threshold that made them, so a change is not served stale.
SCORED_BY = f'{DEFAULT_EMBEDDING}@{EMBEDDINGS[DEFAULT_EMBEDDING][1]}'


# What a study's pool scores are, so a user's pool is placed with the same score.
IMAGE_SCORE = 'features'  # from the images alone (score_pool's 'features')
SEQUENCE_SCORE = 'sequence'  # from sequence metadata (score_pool's 'sequence')


@dataclass
class Evidence:
    """Runs (:data:`STUDY_COLUMNS`, ``ssl`` a bool, ``method`` an acquisition type),
    pool -> redundancy, and what they are (for the answer's "rests on").

    ``score_kind`` says which of a user's scores is comparable with ``redundancy``
    (:data:`IMAGE_SCORE` or :data:`SEQUENCE_SCORE`); ``seeds`` describes the seeds when
    the rows are means rather than one run each.
    """
    rows: List[dict]
    redundancy: Dict[str, float]
    source: str
    score_kind: str = IMAGE_SCORE
    seeds: Optional[str] = None


def acquisition_type(method):
    """The registered acquisition a study's method tag names, or None."""
    for name in (f'{method}Acquisition', method):
        found = ACQUISITIONS.get(name)
        if found is not None:
            return found.__name__
    return None


def table_rows(table, supervised, auc_budget=None):
    """Recommender rows from study-table rows (see the module docstring).

    Args:
        table (list[dict]): rows as ``read_table_csv`` returns them.
        supervised (str, optional): the ``ssl`` tag that means supervised training
            (``supervised_setting``); a row without an ``ssl`` tag is supervised too.
        auc_budget (str, optional): the B of AUC@B for every budget; runs that do not
            report it are left out.
    """
    runs = [row for row in table if row.get('budget') is not None and not row.get(REGIME)]
    types = {method: acquisition_type(method) for method in {r['method'] for r in runs}}
    runs = [row for row in runs if types[row['method']] is not None]
    if auc_budget is not None:
        runs = [row for row in runs if f'auc@{auc_budget}' in row]
        if not runs:
            raise ValueError(f'No run of the study reports AUC@{auc_budget}.')
    chosen = {}
    for budget in sorted({normal_budget(row['budget']) for row in runs}):
        common = set.intersection(*({key[len('auc@'):] for key in row if key.startswith('auc@')}
                                    for row in runs if normal_budget(row['budget']) == budget))
        if not common:
            raise ValueError(f'The runs at budget {budget} share no AUC@B budget; pick one '
                             'with --auc-budget.')
        chosen[budget] = str(auc_budget) if auc_budget is not None else max(common, key=float)
    rows = []
    for row in runs:
        budget = normal_budget(row['budget'])
        rows.append(dict(pool=row['pool'], budget=budget, method=types[row['method']],
                         ssl=row['ssl'] not in (None, supervised), seed=row['seed'],
                         auc=row[f'auc@{chosen[budget]}']))
    return rows


def read_study_dir(study_dir, auc_budget=None, score_pool=None):
    """The evidence of a study dir: its ``study_table.csv`` and its pools' scores.

    Each pool is scored once, from the train dataset of an experiment of that pool
    (``<study>/<experiment>/<experiment>.py``), and kept in ``<study>/pool_redundancy.json``.

    Args:
        study_dir (str): a study dir of ``tools/al_study.py``.
        auc_budget (str, optional): the B of AUC@B; default per budget the largest all
            its runs report.
        score_pool (Callable[[dict], float], optional): dataset config -> redundancy;
            default :func:`pool_redundancy`.
    """
    table = osp.join(study_dir, TABLE_FILE)
    runs = read_table_csv(table)
    experiments = read_study(study_dir)['experiments']
    rows = table_rows(runs, supervised_setting(experiments), auc_budget)
    return Evidence(rows, _pool_scores(study_dir, experiments, {r['pool'] for r in rows},
                                       score_pool), table)


def _pool_scores(study_dir, experiments, pools, score_pool):
    path = osp.join(study_dir, REDUNDANCY_FILE)
    scored_by = 'custom' if score_pool else SCORED_BY
    saved = read_json(path, 'pool redundancy scores') if osp.isfile(path) else {}
    scores = dict(saved['redundancy']) if saved.get('scored_by') == scored_by else {}
    for pool in sorted(pools - set(scores), key=str):
        name = next((e['name'] for e in experiments if e['tags'].get('pool') == pool), None)
        config = osp.join(study_dir, str(name), f'{name}.py')
        if not osp.isfile(config):
            raise FileNotFoundError(f'Cannot score the pool {pool!r} of {study_dir}: no '
                                    f'experiment config of it ({config}).')
        scores[pool] = float((score_pool or pool_redundancy)(
            Config.fromfile(config).train_dataloader.dataset))
    if saved != dict(scored_by=scored_by, redundancy=scores):
        atomic_write_json(path, dict(scored_by=scored_by, redundancy=scores))
    return {pool: scores[pool] for pool in pools}


def pool_redundancy(dataset_cfg):
    """Redundancy score (default embedding) of the pool a dataset config reads."""
    return score_pool(PoolImages.from_dataset_cfg(dataset_cfg))['features'].score


def read_digit_study(auc_budget=None):
    """The digit-scene study (``configs/studies/digits_redundancy.py``), shipped with the
    package as its report's ``study_table.csv``.

    ``digit_study.json`` holds what the table lacks: the supervised ``ssl`` tag and the
    pools' scores, taken from the scenes when the study ran (the pools are not shipped).
    """
    about = read_json(osp.join(DATA_DIR, 'digit_study.json'), 'the digit study')
    table = read_table_csv(osp.join(DATA_DIR, 'digit_study.csv'))
    return Evidence(table_rows(table, about['supervised'], auc_budget),
                    about['redundancy'], DIGIT_SOURCE)


def read_paper_study(auc_budget=None):
    """The paper's Tables 2, 3 and 5 (:mod:`mmseg_al.recommend.paper`): per budget
    I-S the AUC@B the paper reports (AUC@50 at 10-10, AUC@25 at 5-5, AUC@10 at 2-2),
    its pools placed by the sequence-metadata score of their construction."""
    rows = table_rows(paper_study_rows(), SUPERVISED, auc_budget)
    return Evidence(rows, paper_pool_redundancy(), PAPER_SOURCE, SEQUENCE_SCORE, PAPER_SEEDS)


# Studies shipped with the package, by the name --study and Auto(study=...) take.
PACKAGED_STUDIES = {'paper': read_paper_study, 'digits': read_digit_study}


def load_evidence(study=None, auc_budget=None):
    """The evidence of a packaged study's name (default :data:`DEFAULT_STUDY`) or a
    study dir."""
    study = check_study(study)
    if study in PACKAGED_STUDIES:
        return PACKAGED_STUDIES[study](auc_budget)
    return read_study_dir(study, auc_budget)


def check_study(study):
    """``study`` (None: the default) if it names evidence that can be read, else a
    clear error."""
    study = DEFAULT_STUDY if study is None else study
    if study in PACKAGED_STUDIES or osp.isfile(osp.join(str(study), TABLE_FILE)):
        return study
    if osp.isdir(study):
        raise FileNotFoundError(
            f'{study} has no {TABLE_FILE}: write it with `python tools/al_study.py STUDY '
            '--report` (STUDY: the study config), then ask again.')
    raise FileNotFoundError(f'No study results at {study}: give a study dir of '
                            'tools/al_study.py or one of the studies shipped: '
                            f'{", ".join(PACKAGED_STUDIES)}.')
