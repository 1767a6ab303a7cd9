"""Digit scenes: the embedded default dataset, generated from real handwritten digits.

Driving-like sequences: a muted, banded background that scrolls slowly (ego motion)
and lanes of handwritten digits (scikit-learn's ``load_digits``, each deformed into a
new writer) that pass through the frame. Consecutive frames show the same digits,
exactly the redundancy that makes A2D2's Pool-Xf pools hard for single-sample
acquisition, so the study's findings can be reproduced on a laptop. Classes: background
+ the ten digits; two digits are rare. Train and val use disjoint sequences *and*
disjoint digit instances.
"""
import json
import os
import os.path as osp
from dataclasses import asdict, dataclass

import cv2
import numpy as np
from mmseg.datasets import BaseSegDataset
from tqdm import tqdm

from mmseg_al.datasets.manifest import MANIFEST_FILE, SequenceManifest, write_manifest
from mmseg_al.datasets.pools import augmented_pool, consecutive_pool, write_pool
from mmseg_al.registry import DATASETS

DIGIT_CLASSES = ('background', ) + tuple(str(d) for d in range(10))
# Relative sampling weight of each digit; 8 and 9 are rare, as a rare road user is.
DIGIT_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.25)
SCENES_META_FILE = 'digit_scenes.json'
# Bumped whenever the same spec would render different scenes; a tree written by
# another version is refused (see stale_tree_reason), never silently reused.
GENERATOR_VERSION = 2
ACTORS_FILE = 'actors.json'
# The paper's A2D2 pools at their size (2,640 frames each), pool seed 0.
DIGIT_POOLS = {
    'pool0f': dict(num_seeds=2640, num_consecutive=0),
    'pool5f': dict(num_seeds=440, num_consecutive=5),
    'pool11f': dict(num_seeds=220, num_consecutive=11),
    'pool21f': dict(num_seeds=120, num_consecutive=21),
    'poolaug': dict(num_seeds=440, copies=5),
}
POOL_SEED = 0
INK_THRESHOLD = 0.3  # stroke intensity (0..1) above which a pixel is the digit


@dataclass(frozen=True)
class DigitScenesSpec:
    """What to generate; stored beside the data so a stale tree is detected.

    Each sequence is a drive past ``lanes`` lanes of traffic: every lane moves at its
    own speed (``lane_speed``, pixels per frame) and carries digits ``gap`` pixels
    apart, so digits never occlude each other, neighbouring frames are near-duplicates
    and frames a few dozen apart share nothing (as in A2D2).
    """
    num_train_sequences: int = 160
    train_frames_per_sequence: int = 50
    num_val_sequences: int = 40
    val_frames_per_sequence: int = 15
    height: int = 48
    width: int = 96
    lanes: int = 2
    lane_speed: tuple = (3.0, 7.0)
    gap: tuple = (4, 40)
    digit_size: tuple = (17, 23)
    seed: int = 0


def _split_digit_instances(rng):
    """Disjoint train/val digit instances (60/40) of ``load_digits``."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = rng.permutation(len(digits.target))
    cut = int(0.6 * len(order))
    images = digits.images.astype(np.float32) / 16.0
    return ((images[order[:cut]], digits.target[order[:cut]], order[:cut]),
            (images[order[cut:]], digits.target[order[cut:]], order[cut:]))


def _muted_colour(rng, value_range):
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(20, 90), rng.uniform(*value_range)]]],
                   dtype=np.float32)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32) / 255


def _bright_colour(rng):
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(150, 255), rng.uniform(220, 255)]]])
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32) / 255


def _deformed_digit(image, size, rng):
    """A new "writer" of one 8x8 digit: upscaled, then sheared, rotated, squeezed, and
    its strokes thinned or thickened, so every actor is a distinct instance."""
    alpha = cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC)
    angle = rng.uniform(-15, 15)
    scale_x, shear = rng.uniform(0.8, 1.1), rng.uniform(-0.25, 0.25)
    rotation = cv2.getRotationMatrix2D((size / 2, size / 2), angle, 1.0)
    affine = np.array([[scale_x, shear, 0], [0, 1, 0]], np.float32)
    matrix = rotation[:, :2] @ affine[:, :2]
    centre = np.array([size / 2, size / 2])
    offset = centre - matrix @ centre
    alpha = cv2.warpAffine(alpha, np.hstack([matrix, offset[:, None]]).astype(np.float32),
                           (size, size), flags=cv2.INTER_LINEAR, borderValue=0)
    alpha = np.clip(alpha, 0, 1) ** rng.uniform(0.6, 1.5)
    # Crisp ink: opaque where the upscaled stroke passes 0.3, with a one-pixel soft edge,
    # so the image's colour edge is the label's edge.
    return np.clip((alpha - INK_THRESHOLD) / 0.15 + 0.5, 0, 1)


class _Sequence:
    """One drive: a scrolling background and a stream of digit actors."""

    def __init__(self, spec, name, num_frames, instances, rng):
        self.spec, self.rng = spec, rng
        height, width = spec.height, spec.width
        # Background: sky / scenery / road bands plus a texture wider than the frame,
        # so the ego motion can scroll it.
        band_edges = sorted(rng.integers(height // 5, 4 * height // 5, size=2))
        self.ego_speed = rng.uniform(0.5, 1.5)
        texture = np.empty((height, width + int(np.ceil(num_frames * self.ego_speed)) + 1, 3),
                           np.float32)
        for top, bottom in zip([0, *band_edges], [*band_edges, height]):
            texture[top:bottom] = _muted_colour(rng, (60, 160))
        stripes = 0.06 * np.sin(np.arange(texture.shape[1]) / rng.uniform(3, 9))[None, :, None]
        grain = cv2.GaussianBlur(rng.normal(0, 0.05, texture.shape[:2]).astype(np.float32),
                                 (0, 0), 1.5)[..., None]
        self.texture = np.clip(texture + stripes + grain, 0, 1)

        images, targets, source_ids = instances
        weights = np.asarray(DIGIT_WEIGHTS)[targets]
        weights = weights / weights.sum()
        lane_height = height / spec.lanes
        self.actors = []
        for lane in range(spec.lanes):
            speed = rng.uniform(*spec.lane_speed)
            leftwards = bool(rng.integers(2))
            # Positions along the lane's strip; the strip slides past the frame, so
            # x = position - speed * frame (mirrored for a lane moving right).
            position = rng.uniform(-spec.digit_size[1], spec.gap[1])
            while position < width + speed * num_frames:
                size = int(rng.integers(spec.digit_size[0], spec.digit_size[1] + 1))
                pick = rng.choice(len(targets), p=weights)
                top = lane * lane_height + rng.uniform(0, max(lane_height - size, 0))
                self.actors.append(dict(
                    uid=f'{name}/a{len(self.actors):03d}', source=int(source_ids[pick]),
                    label=int(targets[pick]) + 1, alpha=_deformed_digit(images[pick], size, rng),
                    colour=_bright_colour(rng), position=position, speed=speed,
                    leftwards=leftwards, y=int(round(min(top, height - size)))))
                position += size + rng.integers(spec.gap[0], spec.gap[1] + 1)

    def render(self, frame):
        """The frame's RGB image, label map and the uids of the actors it shows."""
        spec = self.spec
        offset = int(round(frame * self.ego_speed))
        image = self.texture[:, offset:offset + spec.width].copy()
        label = np.zeros((spec.height, spec.width), np.uint8)
        shown = []
        for actor in self.actors:
            size = actor['alpha'].shape[0]
            x = int(round(actor['position'] - actor['speed'] * frame))
            if not actor['leftwards']:
                x = spec.width - size - x
            y = actor['y']
            # Clip the digit's box to the frame; digits leave the frame at its edges.
            x_lo, x_hi = max(x, 0), min(x + size, spec.width)
            if x_hi - x_lo < size // 3:
                continue
            alpha = actor['alpha'][:, x_lo - x:x_hi - x]
            region = image[y:y + size, x_lo:x_hi]
            region[:] = region * (1 - alpha[..., None]) + actor['colour'] * alpha[..., None]
            label[y:y + size, x_lo:x_hi][alpha > 0.5] = actor['label']
            shown.append(actor['uid'])
        image += self.rng.normal(0, 0.02, image.shape).astype(np.float32)
        return (np.clip(image, 0, 1) * 255).astype(np.uint8), label, shown


def make_digit_scenes(out_dir, spec=DigitScenesSpec(), progress=True):
    """Write digit scenes to ``out_dir`` in MMSeg's img_dir/ann_dir layout.

    Also writes ``train.txt``/``val.txt`` split files, ``manifest.csv`` (sample id,
    sequence, frame), ``actors.json`` (each frame's actor uids, and each actor's
    ``load_digits`` source index, for redundancy diagnostics) and ``digit_scenes.json``
    (the spec). Deterministic in ``spec``.

    Returns:
        SequenceManifest: the metadata of every written frame.
    """
    rng = np.random.default_rng(spec.seed)
    train_instances, val_instances = _split_digit_instances(rng)
    rows, frame_actors, actor_sources = [], {}, {}
    for split, num_seqs, num_frames, instances in (
            ('train', spec.num_train_sequences, spec.train_frames_per_sequence, train_instances),
            ('val', spec.num_val_sequences, spec.val_frames_per_sequence, val_instances)):
        ids = []
        for seq in tqdm(range(num_seqs), desc=f'digit scenes ({split})', disable=not progress):
            seq_name = f'{split}_seq{seq:03d}'
            sequence = _Sequence(spec, seq_name, num_frames, instances, rng)
            actor_sources.update((a['uid'], a['source']) for a in sequence.actors)
            for frame in range(num_frames):
                image, label, shown = sequence.render(frame)
                sample_id = f'{seq_name}_f{frame:03d}'
                cv2.imwrite(_ensure_dir(osp.join(out_dir, 'img_dir', split, sample_id + '.png')),
                            cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
                cv2.imwrite(_ensure_dir(osp.join(out_dir, 'ann_dir', split, sample_id + '.png')),
                            label)
                ids.append(sample_id)
                rows.append((sample_id, split, seq_name, frame))
                frame_actors[sample_id] = shown
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    manifest = SequenceManifest.from_rows(rows)
    write_manifest(manifest, osp.join(out_dir, MANIFEST_FILE))
    with open(osp.join(out_dir, ACTORS_FILE), 'w') as f:
        json.dump(dict(frames=frame_actors, sources=actor_sources), f)
    # Written last: its presence marks a complete tree.
    with open(osp.join(out_dir, SCENES_META_FILE), 'w') as f:
        json.dump(dict(generator_version=GENERATOR_VERSION, **asdict(spec)), f, indent=2)
    return manifest


def prepare_digit_scenes(data_root, spec=DigitScenesSpec(), progress=True):
    """Generate the scenes and the study's pools on them, whichever is missing.

    An existing tree is used as it is, whatever spec made it (but see
    :func:`stale_tree_reason`). Pools land in
    ``<data_root>/pools/<name>.txt`` (names of :data:`DIGIT_POOLS`); Pool-Aug's
    duplicates are added to the manifest.
    """
    if not osp.isfile(osp.join(data_root, SCENES_META_FILE)):
        make_digit_scenes(data_root, spec, progress=progress)
    manifest = SequenceManifest.read(osp.join(data_root, MANIFEST_FILE))
    train = [f for f in manifest.split('train') if not f.source]
    for name, params in DIGIT_POOLS.items():
        path = osp.join(data_root, 'pools', f'{name}.txt')
        if osp.isfile(path):
            continue
        if 'copies' in params:
            ids, rows = augmented_pool(train, seed=POOL_SEED,
                                       img_dir=osp.join(data_root, 'img_dir', 'train'),
                                       ann_dir=osp.join(data_root, 'ann_dir', 'train'), **params)
            manifest = manifest.extended(rows)
            write_manifest(manifest, osp.join(data_root, MANIFEST_FILE))
        else:
            ids = consecutive_pool(train, seed=POOL_SEED, **params)
        write_pool(path, ids)


def stale_tree_reason(data_root):
    """Why the digit scenes under ``data_root`` cannot be used, or None.

    A tree written by another generator version holds other scenes than its spec
    says, so results on it would not be comparable with anyone else's.
    """
    meta_path = osp.join(data_root, SCENES_META_FILE)
    if not osp.isfile(meta_path):
        return None
    with open(meta_path) as f:
        version = json.load(f).get('generator_version', 1)
    if version == GENERATOR_VERSION:
        return None
    return (f'{data_root} holds digit scenes of generator version {version}; this version '
            f'of mmseg_al makes version {GENERATOR_VERSION}. The folder is generated data: '
            'delete it (or point data_root elsewhere) and re-run to make it anew.')


def _ensure_dir(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    return path


@DATASETS.register_module()
class DigitScenesDataset(BaseSegDataset):
    """Digit scenes in MMSeg's layout; see :func:`make_digit_scenes`.

    Each data info also carries ``sample_id``, ``sequence`` and ``frame`` (read from
    ``manifest.csv``), which pool builders and selection diagnostics use.
    """
    METAINFO = dict(
        classes=DIGIT_CLASSES,
        palette=[[70, 70, 70], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200],
                 [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230],
                 [210, 245, 60], [250, 190, 212]])

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self):
        return SequenceManifest.attach(super().load_data_list(), self.data_root,
                                       self.data_prefix['img_path'], self.img_suffix)
