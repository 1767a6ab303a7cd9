"""Pretrained weights for the digit model's backbone: the digit scenes' "ImageNet".

The study's models start from an ImageNet-pretrained backbone; ImageNet shares no image
and no label with A2D2. The digit regime copies that: before any active learning, the
backbone learns to *classify single handwritten digits*, rendered only from the
train-side source digits of the scenes (the 60 % of scikit-learn's ``load_digits`` that
train scenes draw from; val scenes draw from the other 40 %, other writers).

Why this task rather than self-supervised learning on the unlabeled training frames:
- It is the same kind of start as ImageNet: a supervised, object-centric recognition
  task on images that are not the target's (isolated digit crops on random textured
  backgrounds, never a scene frame), learned before the target task is seen.
- It shares nothing with the val set (no val-side source digit, no val scene), which
  :func:`render_digit_crops` makes checkable: every crop names its source digit.
- It fits the budget: it converges in a few minutes on 2 cores, where a contrastive
  method on 48x96 frames would mostly learn the frames' colours and textures (every
  sequence has its own background), weak features for telling digits apart.

What it shares with the pools: the train-side source digits (the same 1,078 8x8
images the pool's actors are deformed from, each crop a new deformation, i.e. a new
"writer") and their digit identities. It never sees a scene, a mask or a digit's
position: the AL labels (which pixel is which digit) stay unknown. It therefore knows
more about the pool's digits than ImageNet knows about A2D2's cars; read the regime
as "a backbone that already recognises the classes", the favourable end of pretraining.

Weights are made on first use (like the scenes): ``prepare_or_check`` calls
:func:`prepare_pretrained_backbones` for every backbone whose ``init_cfg`` points under
``<digit scenes root>/pretrained/``; ``tools/pretrain_digits.py`` makes them by hand.
Deterministic: the same spec, backbone and thread count give the same bytes.
"""
import copy
import io
import json
import logging
import os.path as osp
import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from torch import nn

from mmseg_al.config_error import ConfigError
from mmseg_al.datasets.digit_scenes import (GENERATOR_VERSION, SCENES_META_FILE, DigitScenesSpec,
                                            _bright_colour, _deformed_digit, _muted_colour,
                                            _split_digit_instances)
from mmseg_al.fileio import atomic_write_bytes
from mmseg_al.registry import MODELS

PRETRAINED_DIR = 'pretrained'
# Bumped whenever the same spec would train different weights.
PRETRAINING_VERSION = 1
NUM_DIGITS = 10


class PretrainedWeightsError(ConfigError):
    """Pretrained digit weights on disk that do not fit the config asking for them."""


@dataclass(frozen=True)
class DigitPretrainingSpec:
    """How the backbone is pretrained (stored in the weights' ``meta``).

    ``renders_per_digit`` crops of each train-side source digit (each a new deformation,
    size, colour and background), ``iterations`` AdamW steps of ``batch_size`` with a
    one-cycle rate up to ``lr``. ``held_out_renders`` more crops per digit, drawn after
    the training crops, measure the accuracy on new writers of the same source digits.
    """
    crop_size: int = 32
    renders_per_digit: int = 16
    held_out_renders: int = 2
    iterations: int = 1200
    batch_size: int = 64
    lr: float = 4e-3
    weight_decay: float = 1e-4
    seed: int = 0


def scenes_spec(data_root):
    """The spec the scenes under ``data_root`` were made with (the default if none yet,
    which is what preparation will make)."""
    meta_path = osp.join(data_root, SCENES_META_FILE) if data_root else ''
    if not meta_path or not osp.isfile(meta_path):
        return DigitScenesSpec()
    with open(meta_path) as f:
        meta = json.load(f)
    fields = DigitScenesSpec.__dataclass_fields__
    return DigitScenesSpec(**{k: tuple(v) if isinstance(v, list) else v
                              for k, v in meta.items() if k in fields})


def train_side_digits(scenes):
    """The source digits train scenes draw from: ``(images [N,8,8] in 0..1, targets [N],
    source_ids [N])`` (indices into ``load_digits``), by the scenes' own split."""
    train_instances, _ = _split_digit_instances(np.random.default_rng(scenes.seed))
    return train_instances


def _background(rng, size):
    """A muted two-band patch with stripes and grain, as the scenes' backgrounds."""
    patch = np.empty((size, size, 3), np.float32)
    edge = int(rng.integers(size // 5, 4 * size // 5))
    patch[:edge], patch[edge:] = _muted_colour(rng, (60, 160)), _muted_colour(rng, (60, 160))
    if rng.integers(2):
        patch = patch.transpose(1, 0, 2).copy()
    stripes = 0.06 * np.sin(np.arange(size) / rng.uniform(3, 9))[None, :, None]
    grain = cv2.GaussianBlur(rng.normal(0, 0.05, (size, size)).astype(np.float32),
                             (0, 0), 1.5)[..., None]
    return patch + stripes + grain


def render_digit_crops(digits, renders_per_digit, crop_size, digit_size, rng):
    """Classification crops: each source digit deformed into new writers on backgrounds.

    Args:
        digits (tuple): ``(images [N,8,8], targets [N], source_ids [N])``.
        renders_per_digit (int): crops per source digit.
        crop_size (int): side of the square crops.
        digit_size (tuple): (min, max) digit side in pixels, as in the scenes.
        rng (numpy.random.Generator): the only source of randomness.

    Returns:
        tuple: ``images`` uint8 [M, crop, crop, 3] (RGB), ``labels`` int64 [M] (the
        digit, 0..9), ``sources`` int64 [M] (the ``load_digits`` index each crop drew).
    """
    images, targets, source_ids = digits
    count = len(targets) * renders_per_digit
    crops = np.empty((count, crop_size, crop_size, 3), np.uint8)
    labels = np.empty(count, np.int64)
    sources = np.empty(count, np.int64)
    for i in range(count):
        pick = i % len(targets)
        size = int(rng.integers(digit_size[0], min(digit_size[1], crop_size) + 1))
        alpha = _deformed_digit(images[pick], size, rng)[..., None]
        crop = _background(rng, crop_size)
        y, x = rng.integers(0, crop_size - size + 1, size=2)
        region = crop[y:y + size, x:x + size]
        region[:] = region * (1 - alpha) + _bright_colour(rng) * alpha
        crop += rng.normal(0, 0.02, crop.shape).astype(np.float32)
        crops[i] = (np.clip(crop, 0, 1) * 255).astype(np.uint8)
        labels[i], sources[i] = targets[pick], source_ids[pick]
    return crops, labels, sources


def _classifier_backbone(backbone_cfg):
    """The backbone as the config builds it, with BN for SyncBN (one process, any device)
    and its own default initialisation (never a pretrained checkpoint)."""
    cfg = copy.deepcopy(backbone_cfg)
    cfg.pop('init_cfg', None)
    cfg.pop('pretrained', None)

    def plain_bn(node):
        if isinstance(node, dict):
            if node.get('type') == 'SyncBN':
                node['type'] = 'BN'
            for value in node.values():
                plain_bn(value)
    plain_bn(cfg)
    backbone = MODELS.build(cfg)
    # mmengine logs every parameter's initialiser at INFO; one line per tensor is noise here.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        backbone.init_weights()
    finally:
        logger.setLevel(level)
    return backbone


class _DigitClassifier(nn.Module):
    """The backbone's last output, globally averaged, then one linear layer."""

    def __init__(self, backbone, channels):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(channels, NUM_DIGITS)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean(dim=(2, 3)))


def _normalise(crops, mean, std):
    """uint8 RGB [M,H,W,3] -> float [M,3,H,W], normalised as the segmentor's preprocessor."""
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float()
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def pretrain_backbone(backbone_cfg, mean, std, scenes=DigitScenesSpec(),
                      spec=DigitPretrainingSpec(), progress=None):
    """Train the backbone to classify train-side digits; its weights and how they were made.

    Args:
        backbone_cfg (dict): the segmentor's ``model.backbone`` config.
        mean, std (sequence of 3 floats): the segmentor's RGB normalisation.
        scenes (DigitScenesSpec): the scenes served (their split seed and digit size).
        spec (DigitPretrainingSpec): the pretraining settings.
        progress (callable, optional): called as ``progress(iteration, loss)``.

    Returns:
        tuple[dict, dict]: the backbone's ``state_dict`` (keys as the backbone names them)
        and ``meta`` (task, specs, source digits used, held-out accuracy, thread count,
        wall time).
    """
    start = time.perf_counter()
    rng = np.random.default_rng(spec.seed)
    digits = train_side_digits(scenes)
    crops, labels, sources = render_digit_crops(digits, spec.renders_per_digit,
                                                spec.crop_size, scenes.digit_size, rng)
    held_crops, held_labels, _ = render_digit_crops(digits, spec.held_out_renders,
                                                    spec.crop_size, scenes.digit_size, rng)
    inputs, targets = _normalise(crops, mean, std), torch.from_numpy(labels)

    torch_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(spec.seed)
        backbone = _classifier_backbone(backbone_cfg)
        with torch.no_grad():
            channels = backbone(inputs[:1])[-1].shape[1]
        model = _DigitClassifier(backbone, channels)
        optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr,
                                      weight_decay=spec.weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=spec.lr,
                                                       total_steps=spec.iterations,
                                                       pct_start=0.1)
        order = torch.Generator().manual_seed(spec.seed)
        permutation, cursor = torch.randperm(len(targets), generator=order), 0
        model.train()
        for iteration in range(spec.iterations):
            if cursor + spec.batch_size > len(permutation):
                permutation, cursor = torch.randperm(len(targets), generator=order), 0
            batch = permutation[cursor:cursor + spec.batch_size]
            cursor += spec.batch_size
            loss = F.cross_entropy(model(inputs[batch]), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            if progress is not None:
                progress(iteration, loss.item())
        model.eval()
        with torch.no_grad():
            held = _normalise(held_crops, mean, std)
            predicted = torch.cat([model(chunk).argmax(1) for chunk in held.split(256)])
        accuracy = float((predicted.numpy() == held_labels).mean())
    finally:
        torch.random.set_rng_state(torch_state)

    state_dict = {key: value.detach().clone() for key, value in backbone.state_dict().items()}
    meta = dict(
        task='classification of single digits rendered from the train-side source digits',
        pretraining_version=PRETRAINING_VERSION, generator_version=GENERATOR_VERSION,
        backbone=_backbone_identity(backbone_cfg), pretraining=asdict(spec),
        scenes=dict(seed=scenes.seed, digit_size=list(scenes.digit_size)),
        source_digits=len(set(sources.tolist())), crops=len(labels),
        held_out_accuracy=round(accuracy, 4), torch_threads=torch.get_num_threads(),
        torch=str(torch.__version__), cpu_capability=torch.backends.cpu.get_cpu_capability(),
        wall_s=round(time.perf_counter() - start, 1))
    return state_dict, meta


def _backbone_identity(backbone_cfg):
    """What fixes the weights' shapes and meaning: the config without its initialisation,
    SyncBN written as BN (they share their parameters, and CPU runs swap one for the other)."""
    cfg = {k: v for k, v in dict(backbone_cfg).items() if k not in ('init_cfg', 'pretrained')}
    text = json.dumps(cfg, default=list, sort_keys=True)
    return json.loads(text.replace('"type": "SyncBN"', '"type": "BN"'))


def save_pretrained_weights(path, state_dict, meta):
    """Write ``{'state_dict', 'meta'}`` atomically, as mmengine's ``Pretrained`` init reads."""
    buffer = io.BytesIO()
    torch.save(dict(state_dict=state_dict, meta=meta), buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def read_pretrained_meta(path):
    return torch.load(path, map_location='cpu', weights_only=True)['meta']


def pretrained_backbones(model_cfg, data_roots):
    """``(checkpoint path, backbone config, data root)`` of every module of ``model_cfg``
    whose ``init_cfg`` is a ``Pretrained`` checkpoint under ``<root>/pretrained/`` of one
    of the digit-scene ``data_roots``: the weights preparation makes."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            init_cfg = node.get('init_cfg')
            if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
                checkpoint = init_cfg.get('checkpoint')
                for root in data_roots:
                    folder = osp.normpath(osp.join(root, PRETRAINED_DIR))
                    if (isinstance(checkpoint, str)
                            and osp.dirname(osp.normpath(checkpoint)) == folder):
                        found.append((checkpoint, node, root))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
    walk(model_cfg)
    return found


def check_pretrained_weights(path, backbone_cfg, scenes):
    """Raise :class:`PretrainedWeightsError` if the weights at ``path`` were made for
    another backbone or other scenes than the config's."""
    meta = read_pretrained_meta(path)
    if meta.get('backbone') != _backbone_identity(backbone_cfg):
        raise PretrainedWeightsError(
            f'{path} holds weights pretrained for another backbone ({meta.get("backbone")}); '
            'the config asks for '
            f'{_backbone_identity(backbone_cfg)}. Point init_cfg.checkpoint at another '
            'file name under pretrained/ (it is made on first use), or delete this one.')
    made_for = (meta.get('scenes', {}).get('seed'), meta.get('generator_version'),
                meta.get('pretraining_version'))
    if made_for != (scenes.seed, GENERATOR_VERSION, PRETRAINING_VERSION):
        raise PretrainedWeightsError(
            f'{path} was pretrained for other digit scenes or by another version (scenes '
            f'seed, generator version, pretraining version: {made_for}; these are '
            f'{(scenes.seed, GENERATOR_VERSION, PRETRAINING_VERSION)}). Delete it; it is '
            'made anew on first use.')


def prepare_pretrained_backbones(model_cfg, data_roots, spec=DigitPretrainingSpec(),
                                 progress=True):
    """Make the pretrained digit weights ``model_cfg`` asks for where missing; check the rest.

    Args:
        model_cfg (dict): the experiment's ``model``.
        data_roots (list[str]): the digit-scene roots of the experiment's datasets.
        spec (DigitPretrainingSpec): how missing weights are made.
        progress (bool): show a progress bar.

    Returns:
        list[str]: the paths made now.
    """
    made = []
    preprocessor = model_cfg.get('data_preprocessor') or {}
    for path, backbone_cfg, root in pretrained_backbones(model_cfg, data_roots):
        scenes = scenes_spec(root)
        if osp.isfile(path):
            check_pretrained_weights(path, backbone_cfg, scenes)
            continue
        if 'mean' not in preprocessor or 'std' not in preprocessor:
            raise PretrainedWeightsError(
                'Pretraining the digit backbone needs the normalisation the segmentor uses: '
                'model.data_preprocessor has no mean/std.')
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=spec.iterations, desc=f'pretraining {osp.basename(path)}')
        state_dict, meta = pretrain_backbone(
            backbone_cfg, preprocessor['mean'], preprocessor['std'], scenes, spec,
            progress=(lambda i, loss: bar.update(1)) if bar is not None else None)
        if bar is not None:
            bar.close()
        save_pretrained_weights(path, state_dict, meta)
        made.append(path)
    return made
