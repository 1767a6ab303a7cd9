"""The paper's real-data tables (package data) and its pools' place on the redundancy scale.

``data/paper_tables.csv`` holds Tables 2-6 of the study's paper, one value a row, with
captions, provenance and the readings the text leaves open in its ``#`` lines. Only
some cells can be evidence for the recommender (:func:`paper_study_rows`): the
standard model's acquisitions at a budget, supervised or with s4GAN.

The paper's pools get the sequence-metadata score
(:func:`~mmseg_al.analysis.redundancy.sequence_redundancy_score`), computed from how
each was built, so that a user's pool with a manifest is placed by the very same
definition; the paper's images are not shipped, so no image score can be computed.
"""
import csv
import functools
import os.path as osp

import numpy as np

from mmseg_al.analysis.redundancy import sequence_redundancy_score
from mmseg_al.datasets.a2d2_pools import A2D2_POOLS
from mmseg_al.datasets.manifest import FrameInfo
from mmseg_al.datasets.pools import consecutive_pool

PAPER_TABLES = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'paper_tables.csv')
COLUMNS = ('table', 'pool', 'budget', 'method', 'kind', 'ssl', 'model', 'metric', 'value',
           'column', 'note')
# Tables whose cells are AL runs at a budget I-S on the pools placed below. Table 4 is
# U2PL, a second SSL method the candidates (method, SSL or not) cannot tell from s4GAN;
# Table 6 (A2D2-3K) lost its row labels.
EVIDENCE_TABLES = (2, 3, 5)
SUPERVISED = 'sup'
# A2D2's training split (PAPER.md "Data"); the pools' seed as tools/make_pools.py uses it.
A2D2_TRAIN_FRAMES = 40135
A2D2_TRAIN_SEQUENCES = 22
A2D2_POOL_SEED = 0
# Pool name in the tables -> key of A2D2_POOLS (the builders of our A2D2 pools).
A2D2_POOL_KEYS = {'Pool-0f': 'pool0f', 'Pool-5f': 'pool5f', 'Pool-11f': 'pool11f',
                  'Pool-21f': 'pool21f', 'Pool-Aug': 'poolaug'}
# Pools of unrelated images (train split sizes): every image is its own sequence.
# Cityscapes keeps one frame (the 20th) of each 30-frame snippet; VOC holds photos.
DISTINCT_POOLS = {'Cityscapes': 2975, 'PASCAL-VOC': 10582}
PAPER_SOURCE = ("the paper's real-data Tables 2, 3 and 5 (package data: ImageNet-pretrained "
                'WRN-38 DeepLabv3+ on Cityscapes, PASCAL-VOC and A2D2 pools)')
PAPER_SEEDS = 'means of 3 (the paper reports means only)'


def read_paper_tables(path=PAPER_TABLES):
    """Every row of the transcription: ``table`` an int, ``value`` a float or None
    (missing: never guessed), the rest text."""
    with open(path, newline='') as f:
        reader = csv.DictReader(line for line in f if not line.startswith('#'))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f'{path}: expected the columns {",".join(COLUMNS)}, got '
                             f'{reader.fieldnames}.')
        return [dict(row, table=int(row['table']),
                     value=float(row['value']) if row['value'] else None) for row in reader]


def paper_study_rows(cells=None):
    """The evidence cells as rows of a study table (one per pool, budget, method, SSL;
    ``seed`` 0 as each is a mean over the paper's 3 seeds; one ``auc@B`` and one
    ``miou@B`` column each), for :func:`~mmseg_al.recommend.evidence.table_rows`.

    Left out: BALD, which runs on the MC-dropout model whose only baseline in the paper
    is its 100 % run (no Random on that model), and that model alone scores 0.2-0.8
    AUC@50 above the standard one at 100 %, more than most gaps between methods; U2PL
    and Table 6 (see :data:`EVIDENCE_TABLES`). The 100 % rows name no acquisition and
    are dropped by ``table_rows``.
    """
    cells = read_paper_tables() if cells is None else cells
    rows = {}
    for cell in cells:
        if (cell['table'] not in EVIDENCE_TABLES or cell['model'] != 'standard'
                or cell['value'] is None):
            continue
        key = (cell['pool'], cell['budget'], cell['method'], cell['ssl'])
        row = rows.setdefault(key, dict(experiment=f'table{cell["table"]}:' + '_'.join(key),
                                        seed=0, **dict(zip(('pool', 'budget', 'method', 'ssl'),
                                                           key))))
        row[cell['metric']] = cell['value']
    return list(rows.values())


def a2d2_train_layout(num_frames=A2D2_TRAIN_FRAMES, num_sequences=A2D2_TRAIN_SEQUENCES):
    """A2D2's train frames as (sequence, frame) metadata: its 40,135 annotated frames in
    22 drives of near-equal length (the real lengths differ; only pool frames within a
    few frames of a drive's end could change groups)."""
    bounds = np.round(np.linspace(0, num_frames, num_sequences + 1)).astype(int)
    return [FrameInfo(f'd{s:02d}_{i:05d}', 'train', f'd{s:02d}', i)
            for s, length in enumerate(np.diff(bounds)) for i in range(length)]


def a2d2_pool_layout(name, frames=None, seed=A2D2_POOL_SEED):
    """(sequences, frames) of a paper pool's images, built as our A2D2 pools are.

    Pool-Xf is :func:`~mmseg_al.datasets.pools.consecutive_pool` itself; Pool-Aug's
    copies carry their seed frame's sequence and frame, as the manifest lists them, with
    the seed frames drawn as ``augmented_pool`` draws them (it writes images, so it is
    not called here).
    """
    frames = a2d2_train_layout() if frames is None else frames
    params = A2D2_POOLS[A2D2_POOL_KEYS[name]]
    if 'copies' in params:
        rng = np.random.default_rng(seed)
        picked = [frames[i] for i in sorted(rng.choice(len(frames), size=params['num_seeds'],
                                                       replace=False))]
        images = [f for f in picked for _ in range(params['copies'] + 1)]
    else:
        by_id = {f.sample_id: f for f in frames}
        images = [by_id[i] for i in consecutive_pool(frames, seed=seed, **params)]
    return [f.sequence for f in images], [f.frame for f in images]


@functools.lru_cache(maxsize=1)
def paper_pool_redundancy():
    """Pool -> sequence-metadata score of each pool of the paper, from its construction
    (deterministic; about a second, so kept for the process)."""
    # Each image its own sequence scores 0 whatever the size; computed, not assumed.
    scores = {name: sequence_redundancy_score([str(i) for i in range(size)], [0] * size).score
              for name, size in DISTINCT_POOLS.items()}
    frames = a2d2_train_layout()
    for name in A2D2_POOL_KEYS:
        scores[name] = sequence_redundancy_score(*a2d2_pool_layout(name, frames)).score
    return scores
