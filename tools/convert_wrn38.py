"""Convert the public WRN-38 ImageNet checkpoint for ``WideResNet38``.

The public ``wider_resnet38.pth.tar`` (mapillary / NVIDIA semantic-segmentation)
holds a ``state_dict`` saved from ``DataParallel`` (keys start with ``module.``)
whose norm layers are ``Sequential(BatchNorm2d, ReLU)`` and whose block convs
sit in a ``convs`` Sequential. This tool renames the keys to the backbone's
layout, drops the ImageNet classifier and the unused final norm (reported),
adds the ``num_batches_tracked`` buffers old checkpoints lack, and checks the
result against the backbone (built on the meta device: no memory, no time).

Example:
    python tools/convert_wrn38.py wider_resnet38.pth.tar pretrain/wrn38_imagenet.pth
"""
import argparse
import os
import os.path as osp
import re
import sys

import torch

import mmseg_al  # noqa: F401  (compatibility shims before mmseg loads)
from mmseg_al.models.backbones import WideResNet38

# Parts of the ImageNet model that DeepLabv3+ does not use.
DROPPED_PREFIXES = ('classifier.', 'bn_out.')
# Public name fragment -> ours. Norms: current releases wrap them as
# ``bn1.0.*`` (Sequential with ReLU), older mapillary ones as ``bn1.bn.*``.
_RENAMES = ((re.compile(r'\.convs\.'), '.'),
            (re.compile(r'\.(bn\d)\.(?:0|bn)\.'), r'.\1.'))


def convert_wrn38(source):
    """Map a public WRN-38 state dict onto ``WideResNet38``'s keys.

    Args:
        source (dict[str, Tensor]): The public checkpoint's ``state_dict``.

    Returns:
        tuple[dict[str, Tensor], list[str]]: The converted state dict (same
        tensors, no copies) and the source keys that were dropped.

    Raises:
        ValueError: If keys are missing, unknown, or of the wrong shape for the
            backbone, naming them.
    """
    with torch.device('meta'):
        expected = WideResNet38().state_dict()
    converted, dropped = {}, []
    for key, value in source.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        if name.startswith(DROPPED_PREFIXES):
            dropped.append(key)
            continue
        for pattern, replacement in _RENAMES:
            name = pattern.sub(replacement, name)
        converted[name] = value
    # Checkpoints saved before PyTorch 0.4.1 have no batch counters.
    for name in expected:
        if name.endswith('num_batches_tracked') and name not in converted:
            converted[name] = torch.zeros((), dtype=torch.long)

    missing = sorted(set(expected) - set(converted))
    unexpected = sorted(set(converted) - set(expected))
    wrong_shape = sorted(f'{k}: {tuple(converted[k].shape)} != {tuple(expected[k].shape)}'
                         for k in set(expected) & set(converted)
                         if converted[k].shape != expected[k].shape)
    if missing or unexpected or wrong_shape:
        raise ValueError(
            'The checkpoint is not a public WRN-38 (WiderResNetA2, [3, 3, 6, 3, 1, 1]) '
            f'state dict: {len(missing)} missing keys {missing[:5]}, {len(unexpected)} '
            f'unknown keys (after renaming) {unexpected[:5]}, shape mismatches {wrong_shape[:5]}.')
    return converted, dropped


def load_source(path):
    """Read the public checkpoint's state dict (tensors only, no code is unpickled)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found. Download the public ImageNet WRN-38 weights '
            '(wider_resnet38.pth.tar, distributed with NVIDIA semantic-segmentation) first.')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='public wider_resnet38.pth.tar')
    parser.add_argument('dst', help='output checkpoint for WideResNet38 init_cfg')
    args = parser.parse_args(argv)
    try:
        converted, dropped = convert_wrn38(load_source(args.src))
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(dict(state_dict=converted), args.dst)
    num_params = sum(v.numel() for k, v in converted.items()
                     if 'running_' not in k and not k.endswith('num_batches_tracked'))
    print(f'Converted {len(converted)} tensors ({num_params:,} parameters) to {args.dst}.')
    print(f'Dropped {len(dropped)} keys not used by the backbone: {", ".join(dropped)}')


if __name__ == '__main__':
    main()
