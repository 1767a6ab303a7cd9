"""Convert A2D2's semantic segmentation release into the layout mmseg_al trains on.

    python tools/prepare_a2d2.py RAW_ROOT OUT_ROOT [--nproc 8]

RAW_ROOT is the folder that holds ``camera_lidar_semantic`` (or that folder
itself). For every annotated camera frame this writes, under OUT_ROOT,

- ``img_dir/<split>/<sample id>.png``: the image resized to 1/3 (1920x1208 ->
  640x402, the study's size; area interpolation),
- ``ann_dir/<split>/<sample id>.png``: class indices 0-18 of the study, 255 for
  colours that ``class_list.json`` does not name (counted and reported),

and, once every frame is done, ``train.txt`` / ``val.txt`` (split files),
``manifest.csv`` (sample id, split, camera stream, frame ordinal) and
``prepare_a2d2.json`` (what was converted, unknown colours, frames without label).
Train is every drive but the validation drive 20180925_112730. Then it builds the
study's pools in ``pools/`` (Pool-0f/5f/11f/21f/Aug, A2D2-3K's uniform3k and
uniform5; see mmseg_al.datasets.a2d2_pools), keeping pool files that exist.

Each output is written atomically and every finished frame is journaled in
``prepare_a2d2.jsonl``, so an interrupted run resumes where it stopped when
started again with the same arguments.
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
from collections import defaultdict
from multiprocessing import Pool

import cv2
from tqdm import tqdm

import mmseg_al  # noqa: F401  (compatibility shims before mmseg loads)
from mmseg_al.datasets.a2d2 import (VAL_SEQUENCES, colour_classes, colour_lookup_table,
                                    parse_sample_id, rgb_to_class_index)
from mmseg_al.datasets.a2d2_pools import build_a2d2_pools, pool_path
from mmseg_al.datasets.manifest import MANIFEST_FILE, FrameInfo, SequenceManifest, write_manifest
from mmseg_al.fileio import atomic_write_json, atomic_write_png, atomic_write_text

SEMANTIC_DIR = 'camera_lidar_semantic'
CLASS_LIST = 'class_list.json'
JOURNAL = 'prepare_a2d2.jsonl'
REPORT = 'prepare_a2d2.json'
_DRIVE = re.compile(r'^\d{8}_\d{6}$')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('raw_root', help='folder holding camera_lidar_semantic (or that folder)')
    parser.add_argument('out_root', help='output folder, e.g. data/a2d2')
    parser.add_argument('--nproc', type=int, default=os.cpu_count(),
                        help='worker processes (default: all cores)')
    parser.add_argument('--downscale', type=float, default=3.0,
                        help='divide width and height by this (default 3: 1920x1208 -> 640x402)')
    parser.add_argument('--val-sequences', nargs='+', default=list(VAL_SEQUENCES),
                        help='drives that form the validation split')
    parser.add_argument('--pool-seed', type=int, default=0,
                        help='seed of the pools (Pool-Xf, Pool-Aug) built at the end')
    parser.add_argument('--no-pools', action='store_true',
                        help='convert only; build the pools later or import the authors\' lists')
    args = parser.parse_args(argv)
    if args.nproc < 1 or args.downscale < 1:
        parser.error(f'--nproc must be >= 1 and --downscale >= 1, got {args.nproc} and '
                     f'{args.downscale}.')
    return args


def find_semantic_root(raw_root):
    """The ``camera_lidar_semantic`` folder: ``raw_root`` itself or its child."""
    for candidate in (raw_root, osp.join(raw_root, SEMANTIC_DIR)):
        if osp.isfile(osp.join(candidate, CLASS_LIST)):
            return candidate
    raise SystemExit(
        f'No A2D2 semantic release at {raw_root}: expected {CLASS_LIST} in it or in '
        f'{osp.join(raw_root, SEMANTIC_DIR)}. Download and extract "camera_lidar_semantic" '
        'from https://www.a2d2.audi/ (see docs/datasets.md, "A2D2").')


def scan(semantic_root, val_sequences):
    """Frames of the raw tree in (drive, camera, frame number) order.

    Returns:
        tuple[list[dict], list[str]]: one job per frame that has a label, and the
        raw image paths that have none.
    """
    jobs, unlabeled = [], []
    for drive in sorted(d for d in os.listdir(semantic_root) if _DRIVE.match(d)):
        camera_root = osp.join(semantic_root, drive, 'camera')
        if not osp.isdir(camera_root):
            continue
        for camera in sorted(os.listdir(camera_root)):
            names = [n for n in os.listdir(osp.join(camera_root, camera)) if n.endswith('.png')]
            sample_ids = sorted((f'{drive}/camera/{camera}/{name[:-4]}' for name in names),
                                key=lambda s: parse_sample_id(s)[2])
            ordinal = 0
            for sample_id in sample_ids:
                image = osp.join(semantic_root, sample_id + '.png')
                label = osp.join(semantic_root, drive, 'label', camera,
                                 osp.basename(sample_id).replace('_camera_', '_label_') + '.png')
                if not osp.isfile(label):
                    unlabeled.append(image)
                    continue
                jobs.append(dict(sample_id=sample_id, image=image, label=label,
                                 split='val' if drive in val_sequences else 'train',
                                 sequence=f'{drive}/{camera}', frame=ordinal))
                ordinal += 1
    return jobs, unlabeled


_TABLE = None


def _init_worker(colour_to_class):
    global _TABLE
    _TABLE = colour_lookup_table(colour_to_class)


def convert_frame(task):
    """Resize one image, convert and resize its label; returns the journal record."""
    job, out_root, downscale = task
    image = cv2.imread(job['image'], cv2.IMREAD_COLOR)
    label = cv2.imread(job['label'], cv2.IMREAD_COLOR)
    if image is None or label is None:
        raise OSError(f'Cannot read {job["image"]} or its label {job["label"]}')
    # Convert at full resolution so that every unknown colour is seen and counted.
    index, unknown = rgb_to_class_index(cv2.cvtColor(label, cv2.COLOR_BGR2RGB), _TABLE)
    height, width = image.shape[:2]
    size = (int(width / downscale), int(height / downscale))
    relative = osp.join(job['split'], job['sample_id'] + '.png')
    atomic_write_png(osp.join(out_root, 'img_dir', relative),
                      cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    atomic_write_png(osp.join(out_root, 'ann_dir', relative),
                      cv2.resize(index, size, interpolation=cv2.INTER_NEAREST))
    return dict(sample_id=job['sample_id'], size=[size[0], size[1]], unknown=unknown)


def read_journal(out_root):
    """Journal records by sample id; a line cut short by a crash is ignored."""
    records = {}
    path = osp.join(out_root, JOURNAL)
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                records[record['sample_id']] = record
    return records


def _is_done(job, records, out_root):
    return job['sample_id'] in records and all(
        osp.isfile(osp.join(out_root, folder, job['split'], job['sample_id'] + '.png'))
        for folder in ('img_dir', 'ann_dir'))


def _report(jobs, records, unlabeled, args):
    unknown = defaultdict(lambda: dict(pixels=0, frames=0))
    for job in jobs:
        for colour, pixels in records[job['sample_id']]['unknown'].items():
            unknown[colour]['pixels'] += pixels
            unknown[colour]['frames'] += 1
    return dict(
        frames={split: sum(job['split'] == split for job in jobs) for split in ('train', 'val')},
        sequences={split: len({job['sequence'].split('/')[0] for job in jobs
                               if job['split'] == split}) for split in ('train', 'val')},
        val_sequences=list(args.val_sequences), downscale=args.downscale,
        sizes=sorted({tuple(records[job['sample_id']]['size']) for job in jobs}),
        unknown_colours=dict(sorted(unknown.items())),
        images_without_label=unlabeled)


def main(argv=None):
    args = parse_args(argv)
    semantic_root = find_semantic_root(args.raw_root)
    with open(osp.join(semantic_root, CLASS_LIST)) as f:
        colour_to_class = colour_classes(json.load(f))
    jobs, unlabeled = scan(semantic_root, set(args.val_sequences))
    if not jobs:
        raise SystemExit(f'No labelled camera frames under {semantic_root} '
                         '(expected <drive>/camera/cam_<view>/*.png with labels in '
                         '<drive>/label/cam_<view>/).')
    missing_val = set(args.val_sequences) - {job['sequence'].split('/')[0] for job in jobs}
    if missing_val:
        raise SystemExit(f'Validation drive(s) {sorted(missing_val)} not found under '
                         f'{semantic_root}; is the download complete?')

    os.makedirs(args.out_root, exist_ok=True)
    records = read_journal(args.out_root)
    todo = [job for job in jobs if not _is_done(job, records, args.out_root)]
    print(f'{len(jobs)} labelled frames, {len(jobs) - len(todo)} already converted, '
          f'{len(todo)} to convert with {args.nproc} processes.')
    tasks = [(job, args.out_root, args.downscale) for job in todo]
    with open(osp.join(args.out_root, JOURNAL), 'a') as journal:
        if args.nproc > 1:
            pool = Pool(args.nproc, initializer=_init_worker, initargs=(colour_to_class, ))
            results = pool.imap_unordered(convert_frame, tasks, chunksize=4)
        else:
            pool = None
            _init_worker(colour_to_class)
            results = map(convert_frame, tasks)
        try:
            for record in tqdm(results, total=len(tasks), desc='A2D2', unit='frame'):
                journal.write(json.dumps(record) + '\n')
                journal.flush()
                records[record['sample_id']] = record
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    for split in ('train', 'val'):
        atomic_write_text(osp.join(args.out_root, f'{split}.txt'), ''.join(
            job['sample_id'] + '\n' for job in jobs if job['split'] == split))
    report = _report(jobs, records, unlabeled, args)
    atomic_write_json(osp.join(args.out_root, REPORT), report)
    # Written last: a manifest marks a complete tree (see mmseg_al.datasets.preparation).
    write_manifest(SequenceManifest(FrameInfo(job['sample_id'], job['split'], job['sequence'],
                                              job['frame']) for job in jobs),
                   osp.join(args.out_root, MANIFEST_FILE))
    print(f'Wrote {report["frames"]["train"]} train and {report["frames"]["val"]} val frames '
          f'to {args.out_root}.')
    if report['unknown_colours']:
        print('Colours not in class_list.json, set to 255 (ignore): ' + ', '.join(
            f'{c} ({v["pixels"]} px in {v["frames"]} frames)'
            for c, v in report['unknown_colours'].items()))
    if unlabeled:
        print(f'{len(unlabeled)} images have no label and were skipped (listed in {REPORT}).')
    if not args.no_pools:
        try:
            pools = build_a2d2_pools(args.out_root, seed=args.pool_seed)
        except ValueError as err:  # too few train frames for the paper's pool sizes
            raise SystemExit(f'error: the frames are converted, but the pools could not be '
                             f'built: {err}')
        for name, (size, built) in pools.items():
            print(f'{pool_path(args.out_root, name)}: {size} frames'
                  + ('' if built else ' (kept the existing file)'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
