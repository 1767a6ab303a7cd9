"""Pool builders of the study, over (sequence, frame) metadata of any dataset.

A pool is a plain text file of sample ids (one MMSeg split-file line each), so it
is used as the ``ann_file`` of the pool dataset. Every builder is deterministic
in its arguments and returns ids in manifest order.

- Pool-Xf: random seed frames, each with the X frames that follow it in its
  sequence (X = 0, 5, 11, 21 in the paper; more X, more redundancy).
- Pool-Aug: random seed frames, each with ``copies`` augmented duplicates
  (random 85 % crop + colour jitter), materialised on disk.
- Uniform: evenly spaced in time; Uniform@k: every k-th frame of each sequence.
"""
import os.path as osp
from collections import defaultdict

import cv2
import numpy as np

from mmseg_al.datasets.manifest import FrameInfo
from mmseg_al.fileio import atomic_write_png, atomic_write_text


def _by_sequence(frames):
    sequences = defaultdict(list)
    for info in frames:
        sequences[info.sequence].append(info)
    for infos in sequences.values():
        infos.sort(key=lambda f: f.frame)
    return sequences


def _in_manifest_order(frames, picked_ids):
    picked_ids = set(picked_ids)
    return [f.sample_id for f in frames if f.sample_id in picked_ids]


def consecutive_pool(frames, num_seeds, num_consecutive, seed):
    """Pool-Xf: ``num_seeds`` random frames plus the ``num_consecutive`` frames after each.

    Windows never overlap, so the pool has exactly ``num_seeds * (num_consecutive + 1)``
    distinct frames.

    Args:
        frames (list[FrameInfo]): candidate frames (one split of a manifest).
        num_seeds (int): number of random seed frames.
        num_consecutive (int): X, frames taken after each seed (0 = random frames only).
        seed (int): random seed.

    Returns:
        list[str]: the pool's sample ids.
    """
    window = num_consecutive + 1
    candidates = []
    for infos in _by_sequence(frames).values():
        for start in range(len(infos) - window + 1):
            run = infos[start:start + window]
            # A window must be truly consecutive in time (no gap in frame numbers).
            if run[-1].frame - run[0].frame == num_consecutive:
                candidates.append(run)
    rng = np.random.default_rng(seed)
    taken, picked = set(), []
    for index in rng.permutation(len(candidates)):
        run = candidates[index]
        if any(f.sample_id in taken for f in run):
            continue
        taken.update(f.sample_id for f in run)
        picked.append(run)
        if len(picked) == num_seeds:
            return _in_manifest_order(frames, taken)
    raise ValueError(
        f'Pool-{num_consecutive}f needs {num_seeds} non-overlapping runs of {window} consecutive '
        f'frames, but only {len(picked)} fit in these {len(frames)} frames. Use fewer seeds '
        'or a larger split.')


def uniform_pool(frames, size):
    """Uniform: ``size`` frames evenly spaced along the time line of all sequences."""
    if not 0 < size <= len(frames):
        raise ValueError(f'Uniform pool of {size} frames asked from {len(frames)} frames.')
    timeline = [f for infos in _by_sequence(frames).values() for f in infos]
    positions = np.round(np.linspace(0, len(timeline) - 1, size)).astype(int)
    return _in_manifest_order(frames, (timeline[p].sample_id for p in positions))


def every_kth_pool(frames, k):
    """Uniform@k: every ``k``-th frame of each sequence, starting at its first frame."""
    if k < 1:
        raise ValueError(f'Uniform@k needs k >= 1, got {k}.')
    return _in_manifest_order(frames, (
        f.sample_id for infos in _by_sequence(frames).values() for f in infos[::k]))


def _augment(image, label, rng, crop_fraction=0.85):
    """Random crop of ``crop_fraction`` of each side, resized back, plus colour jitter."""
    height, width = label.shape
    crop_h, crop_w = int(round(height * crop_fraction)), int(round(width * crop_fraction))
    top = int(rng.integers(0, height - crop_h + 1))
    left = int(rng.integers(0, width - crop_w + 1))
    image = cv2.resize(image[top:top + crop_h, left:left + crop_w], (width, height),
                       interpolation=cv2.INTER_LINEAR)
    label = cv2.resize(label[top:top + crop_h, left:left + crop_w], (width, height),
                       interpolation=cv2.INTER_NEAREST)
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-8, 8)) % 180
    hsv[..., 1] *= rng.uniform(0.7, 1.3)
    hsv[..., 2] *= rng.uniform(0.7, 1.3)
    image = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
    contrast = rng.uniform(0.8, 1.2)
    image = np.clip((image.astype(np.float32) - image.mean()) * contrast + image.mean(), 0, 255)
    return image.astype(np.uint8), label


def augmented_pool(frames, num_seeds, copies, seed, img_dir, ann_dir, img_suffix='.png',
                   seg_map_suffix='.png', subdir=None):
    """Pool-Aug: random seed frames, each with ``copies`` augmented duplicates on disk.

    The duplicates are written under ``<img_dir>/<subdir>/`` and ``<ann_dir>/<subdir>/``
    (``subdir`` defaults to ``aug_s<seed>``) with ids ``<subdir>/<seed id>_a<k>``. Files
    that already exist are kept, so an interrupted build resumes.

    Returns:
        tuple[list[str], list[FrameInfo]]: the pool's ids (each seed followed by its
        copies) and manifest rows for the duplicates (``source`` = the seed frame).
    """
    if num_seeds > len(frames):
        raise ValueError(f'Pool-Aug needs {num_seeds} seed frames, only {len(frames)} exist.')
    subdir = subdir or f'aug_s{seed}'
    rng = np.random.default_rng(seed)
    seeds = sorted(rng.choice(len(frames), size=num_seeds, replace=False))
    ids, rows = [], []
    for index in seeds:
        source = frames[index]
        ids.append(source.sample_id)
        image = label = None
        for k in range(copies):
            # Draw the augmentation even when the file exists, so resumed builds match.
            aug_rng = np.random.default_rng([seed, int(index), k])
            sample_id = f'{subdir}/{source.sample_id}_a{k}'
            img_out = osp.join(img_dir, sample_id + img_suffix)
            ann_out = osp.join(ann_dir, sample_id + seg_map_suffix)
            if not (osp.isfile(img_out) and osp.isfile(ann_out)):
                if image is None:
                    image = _read(osp.join(img_dir, source.sample_id + img_suffix), cv2.IMREAD_COLOR)
                    label = _read(osp.join(ann_dir, source.sample_id + seg_map_suffix),
                                  cv2.IMREAD_UNCHANGED)
                aug_image, aug_label = _augment(image, label, aug_rng)
                atomic_write_png(img_out, aug_image)
                atomic_write_png(ann_out, aug_label)
            ids.append(sample_id)
            rows.append(FrameInfo(sample_id, source.split, source.sequence, source.frame,
                                  source.sample_id))
    return ids, rows


def _read(path, flags):
    image = cv2.imread(path, flags)
    if image is None:
        raise FileNotFoundError(f'Cannot read {path} while building Pool-Aug.')
    return image


def write_pool(path, ids):
    """Write a pool (one sample id per line) atomically."""
    atomic_write_text(path, '\n'.join(ids) + '\n')


def read_pool(path):
    """Read a pool file; duplicates are an error (a pool is a set)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Pool file {path} does not exist; build it with '
                                'tools/make_pools.py (see README "Datasets").')
    with open(path) as f:
        ids = [line.strip() for line in f if line.strip()]
    if len(set(ids)) != len(ids):
        raise ValueError(f'Pool file {path} lists some sample ids more than once.')
    return ids
