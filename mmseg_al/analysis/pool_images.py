"""The images of an unlabeled pool and their label-free embeddings.

A pool is read from an experiment config (its train dataset: a pool file under an
MMSeg data root, with ``manifest.csv`` when the dataset has one), from a plain folder
of images, or from the data infos of a dataset view (what an acquisition sees).
Sequence metadata comes with the manifest and is optional everywhere.

The embeddings are model-free on purpose: the redundancy score chooses the strategy
before anything is labeled or trained, so it cannot use the trained model's pooled
features that Coreset and the t-SNE use (:mod:`mmseg_al.acquisition.pooled_features`).
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import cv2
import numpy as np

from mmseg_al.analysis.redundancy import redundancy_score, sequence_redundancy_score
from mmseg_al.datasets.manifest import MANIFEST_FILE, SequenceManifest
from mmseg_al.datasets.pools import read_pool
from mmseg_al.datasets.preparation import dataset_files, leaf_dataset_cfgs

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
# (height, width): coarse enough that a frame and its neighbours a few steps later
# (sub-pixel motion at this scale) stay close, fine enough to keep a scene's layout.
PIXEL_SIZE = (16, 32)
# Levels per RGB channel of the colour histogram (6^3 = 216 bins).
COLOUR_LEVELS = 6


@dataclass
class PoolImages:
    """Image paths of a pool with optional sequence metadata, in pool order."""
    ids: List[str]
    paths: List[str]
    sequences: Optional[List[str]] = None
    frames: Optional[List[int]] = None
    source: str = ''  # what was read, for reports

    def __post_init__(self):
        if len(self.ids) < 2:
            raise ValueError(f'A pool needs at least 2 images to measure redundancy; '
                             f'{self.source or "the pool"} has {len(self.ids)}.')

    @classmethod
    def from_dataset_cfg(cls, dataset_cfg):
        """The pool of a dataset config (an experiment's ``train_dataloader.dataset``).

        The pool is the dataset's ``ann_file`` (a pool or split file), else every image
        under its image folder. ``manifest.csv`` at the data root adds sequences.
        """
        leaves = leaf_dataset_cfgs(dataset_cfg)
        if len(leaves) != 1:
            raise ValueError(f'The pool must be one dataset; this config combines {len(leaves)}.')
        files = dataset_files(leaves[0])
        if files.ann_file:
            ids = read_pool(files.ann_file)
            source = files.ann_file
        else:
            ids = list(_list_images(files.img_dir, (files.img_suffix, )))
            source = files.img_dir
        paths = [osp.join(files.img_dir, sample_id + files.img_suffix) for sample_id in ids]
        missing = [path for path in paths if not osp.isfile(path)]
        if missing:
            raise FileNotFoundError(f'{len(missing)} images of the pool {source} are missing, '
                                    f'e.g. {missing[0]}. Is the dataset prepared (README '
                                    '"Datasets")?')
        return cls(ids, paths, *_manifest_metadata(files.data_root, ids), source=source)

    @classmethod
    def from_folder(cls, folder):
        """Every image below ``folder``; sequences from ``folder/manifest.csv`` if present."""
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder} is not a folder of images.')
        images = _list_images(folder, IMAGE_SUFFIXES)
        ids = list(images)
        return cls(ids, list(images.values()), *_manifest_metadata(folder, ids), source=folder)

    @classmethod
    def from_data_infos(cls, infos, source='dataset view'):
        """From MMSeg data infos (``img_path``, and ``sequence``/``frame`` if known)."""
        if any('img_path' not in info for info in infos):
            raise ValueError(f'Data infos of {source} lack img_path; cannot read the pool images.')
        has_sequences = all('sequence' in info and 'frame' in info for info in infos)
        return cls([info.get('sample_id', info['img_path']) for info in infos],
                   [info['img_path'] for info in infos],
                   [str(info['sequence']) for info in infos] if has_sequences else None,
                   [int(info['frame']) for info in infos] if has_sequences else None,
                   source=source)


def _list_images(folder, suffixes):
    """Sample id (path below ``folder`` without suffix) -> path of its images, sorted by id."""
    images = {}
    for root, _, names in os.walk(folder):
        for name in names:
            stem, suffix = osp.splitext(osp.relpath(osp.join(root, name), folder))
            if suffix.lower() in suffixes:
                images[stem] = osp.join(root, name)
    if not images:
        raise FileNotFoundError(f'No images ({", ".join(suffixes)}) under {folder}.')
    return dict(sorted(images.items()))


def _manifest_metadata(root, ids):
    """(sequences, frames) of ``ids`` from ``root/manifest.csv``, or (None, None)."""
    path = osp.join(root or '', MANIFEST_FILE)
    if not osp.isfile(path):
        return None, None
    manifest = SequenceManifest.read(path)
    if not all(sample_id in manifest for sample_id in ids):
        return None, None
    return [manifest[s].sequence for s in ids], [manifest[s].frame for s in ids]


def _read(path):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f'Cannot read the image {path}.')
    return image


def pixel_features(paths, size=PIXEL_SIZE):
    """Label-free embedding: each image downsampled to ``size``, channels standardised.

    Per-image, per-channel standardisation removes global brightness and contrast,
    so exposure changes between near-identical frames do not hide their redundancy.

    Args:
        paths (Sequence[str]): image files.
        size (tuple[int, int]): (height, width) of the downsampled image.

    Returns:
        ndarray: ``[N, 3 * height * width]`` float32.
    """
    height, width = size
    rows = np.empty((len(paths), 3 * height * width), dtype=np.float32)
    for i, path in enumerate(paths):
        small = cv2.resize(_read(path), (width, height),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        small -= small.mean((0, 1))
        small /= np.maximum(small.std((0, 1)), 1e-6)
        rows[i] = small.ravel()
    return rows


def colour_histogram_features(paths, levels=COLOUR_LEVELS):
    """Label-free, motion-blind embedding: each image's joint RGB histogram.

    Where things sit in the frame does not enter, so frames of one drive stay close
    however fast the camera or the traffic moves; the square root of the bin shares
    (Hellinger embedding) makes Euclidean distance a distance between distributions.

    Args:
        paths (Sequence[str]): image files.
        levels (int): quantisation levels per channel (``levels ** 3`` bins).

    Returns:
        ndarray: ``[N, levels ** 3]`` float32, each row of unit norm.
    """
    rows = np.empty((len(paths), levels ** 3), dtype=np.float32)
    for i, path in enumerate(paths):
        image = _read(path).astype(np.int32) * levels // 256
        codes = (image[..., 0] * levels + image[..., 1]) * levels + image[..., 2]
        counts = np.bincount(codes.ravel(), minlength=levels ** 3)
        rows[i] = np.sqrt(counts / counts.sum())
    return rows


# name -> (embedding, near-duplicate threshold x pool spread), chosen by measurement
# on the digit scenes (docs/study/redundancy.md, benchmarks/bench_redundancy.py).
EMBEDDINGS = dict(colour=(colour_histogram_features, 0.2), pixels=(pixel_features, 0.5))
DEFAULT_EMBEDDING = 'colour'


def score_pool(pool, embedding=DEFAULT_EMBEDDING, **params):
    """The pool's redundancy from an image embedding and, with metadata, from sequences.

    Args:
        pool (PoolImages): the pool.
        embedding (str): a key of :data:`EMBEDDINGS`; ``'colour'`` (the default, blind
            to motion) or ``'pixels'`` (keeps the layout, misses moving content).
        **params: passed to :func:`~mmseg_al.analysis.redundancy.redundancy_score`
            (``threshold`` defaults to the embedding's).

    Returns:
        dict: ``features`` (RedundancyScore, the score the recommender uses; its
        ``method`` is the embedding) and ``sequence`` (RedundancyScore or None).
    """
    if embedding not in EMBEDDINGS:
        raise ValueError(f'Unknown redundancy embedding {embedding!r}; choose one of '
                         f'{sorted(EMBEDDINGS)}.')
    embed, threshold = EMBEDDINGS[embedding]
    params.setdefault('threshold', threshold)
    features = redundancy_score(embed(pool.paths), pool.sequences, method=embedding, **params)
    sequence = (sequence_redundancy_score(pool.sequences, pool.frames)
                if pool.sequences is not None else None)
    return dict(features=features, sequence=sequence)
