"""Pretrain the digit model's backbone (the digit scenes' "ImageNet"); made on first use.

The backbone learns to classify single handwritten digits rendered only from the
train-side source digits of the scenes (never a val-side writer, never a scene): a task
that shares no image or label with the val set, as ImageNet precedes A2D2. Why this
task, and what it shares with the pools: mmseg_al/datasets/digit_pretraining.py and
docs/models.md ("The pretrained digit regime").

tools/al_train.py makes the weights by itself when a config's backbone init_cfg names a
missing file under <digit scenes root>/pretrained/; this tool makes (or remakes, or
inspects) them by hand, from the backbone and normalisation of CONFIG. Deterministic:
the same settings and torch thread count give the same weights, bit for bit.

Examples:
    python tools/pretrain_digits.py                          # the pretrained regime's file
    python tools/pretrain_digits.py configs/al/entropy_digits_pool11f_pretrained.py --force
    python tools/pretrain_digits.py --out /tmp/r18.pth --iterations 300 --threads 2
"""
import argparse
import dataclasses
import os
import os.path as osp
import sys
import time

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tqdm import tqdm

from mmseg_al.config_error import ConfigError
from mmseg_al.datasets.digit_pretraining import (DigitPretrainingSpec, check_pretrained_weights,
                                                 pretrain_backbone, pretrained_backbones,
                                                 read_pretrained_meta, save_pretrained_weights,
                                                 scenes_spec)
from mmseg_al.datasets.preparation import dataset_files, leaf_dataset_cfgs
from mmseg_al.engine.environment import cpu_model

DEFAULT_CONFIG = 'configs/al/entropy_digits_pool11f_pretrained.py'
DEFAULT_ROOT = 'data/digit_scenes'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='a config whose model.backbone.init_cfg is a Pretrained checkpoint '
                        'under <digit scenes root>/pretrained/ (default: %(default)s)')
    parser.add_argument('--out', help='write here instead of the checkpoint the config names')
    parser.add_argument('--force', action='store_true',
                        help='remake the weights even if the file exists')
    parser.add_argument('--threads', type=int,
                        help='torch threads (the weights are bit-equal only at equal counts)')
    defaults = DigitPretrainingSpec()
    for field in dataclasses.fields(DigitPretrainingSpec):
        parser.add_argument(f'--{field.name.replace("_", "-")}', type=field.type,
                            default=getattr(defaults, field.name),
                            help='(default: %(default)s)')
    return parser.parse_args(argv)


def _digit_roots(cfg):
    leaves = [leaf for key in cfg if key.endswith('_dataloader') and 'dataset' in cfg[key]
              for leaf in leaf_dataset_cfgs(cfg[key]['dataset'])]
    roots = sorted({files.data_root for files in map(dataset_files, leaves)
                    if files.type_name == 'DigitScenesDataset'})
    return roots or [DEFAULT_ROOT]


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist.')
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg_al'))
    roots = _digit_roots(cfg)
    found = pretrained_backbones(cfg.model, roots)
    if not found and not args.out:
        sys.exit(f'error: {args.config} names no Pretrained init_cfg under '
                 f'{", ".join(r + "/pretrained/" for r in roots)}; give --out PATH to write '
                 'the weights elsewhere.')
    if found:
        path, backbone_cfg, root = found[0]
    else:
        path, backbone_cfg, root = None, cfg.model.backbone, roots[0]
    path = args.out or path
    scenes = scenes_spec(root)
    if osp.isfile(path) and not args.force:
        try:
            check_pretrained_weights(path, backbone_cfg, scenes)
        except ConfigError as err:
            sys.exit(f'error: {err}')
        meta = read_pretrained_meta(path)
        print(f'{path} exists (held-out accuracy {meta["held_out_accuracy"]:.4f}, '
              f'{meta["wall_s"]} s on {meta["torch_threads"]} threads); --force remakes it.')
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    spec = DigitPretrainingSpec(**{f.name: getattr(args, f.name)
                                   for f in dataclasses.fields(DigitPretrainingSpec)})
    if spec != DigitPretrainingSpec() and not args.out:
        print(f'note: {path} is the file configs load; these are not the default settings, '
              'so runs with it are not comparable with the regime as documented.')
    preprocessor = cfg.model.data_preprocessor
    start = time.perf_counter()
    with tqdm(total=spec.iterations, desc='pretraining') as bar:
        state_dict, meta = pretrain_backbone(
            backbone_cfg, preprocessor['mean'], preprocessor['std'], scenes, spec,
            progress=lambda i, loss: (bar.update(1), bar.set_postfix(loss=f'{loss:.3f}')))
    meta['cpu'] = cpu_model()
    save_pretrained_weights(path, state_dict, meta)
    print(f'{path}: {len(state_dict)} backbone tensors; {meta["crops"]} crops of '
          f'{meta["source_digits"]} train-side source digits; held-out accuracy '
          f'{meta["held_out_accuracy"]:.4f}; {time.perf_counter() - start:.0f} s wall on '
          f'{meta["torch_threads"]} threads ({meta["cpu"]}, {torch.get_num_threads()} of '
          f'{os.cpu_count()} cores used).')


if __name__ == '__main__':
    main()
