"""Per-frame metadata (sequence, frame index) that pools and diagnostics need.

A manifest is ``manifest.csv`` at a dataset's root with one row per image:
``sample_id,split,sequence,frame,source``. ``sample_id`` is the image path relative
to the split's image folder without suffix, i.e. exactly a line of an MMSeg split
file, so a pool is an MMSeg ``ann_file``. ``source`` names the original frame of an
augmented copy (Pool-Aug) and is empty otherwise.
"""
import csv
import os
import os.path as osp
from dataclasses import dataclass

from mmseg_al.fileio import atomic_write_text

MANIFEST_FILE = 'manifest.csv'
_FIELDS = ('sample_id', 'split', 'sequence', 'frame', 'source')


@dataclass(frozen=True)
class FrameInfo:
    sample_id: str
    split: str
    sequence: str
    frame: int
    source: str = ''


class SequenceManifest:
    """Ordered frame metadata keyed by sample id."""

    def __init__(self, frames):
        self.frames = {f.sample_id: f for f in frames}

    @classmethod
    def from_rows(cls, rows):
        return cls(FrameInfo(str(r[0]), str(r[1]), str(r[2]), int(r[3]),
                             str(r[4]) if len(r) > 4 else '') for r in rows)

    @classmethod
    def read(cls, path):
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'No manifest at {path}. It is written by the dataset preparation tool '
                '(tools/make_digit_scenes.py, tools/prepare_a2d2.py); see README "Datasets".')
        with open(path, newline='') as f:
            reader = csv.DictReader(f)
            missing = set(_FIELDS[:4]) - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f'{path} lacks the columns {sorted(missing)}; '
                                 f'expected header {",".join(_FIELDS)}')
            return cls(FrameInfo(r['sample_id'], r['split'], r['sequence'], int(r['frame']),
                                 r.get('source') or '') for r in reader)

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, sample_id):
        return self.frames[sample_id]

    def __contains__(self, sample_id):
        return sample_id in self.frames

    def split(self, name):
        """Frames of one split, in manifest order."""
        return [f for f in self.frames.values() if f.split == name]

    def extended(self, frames):
        """A new manifest with ``frames`` added (or replaced by sample id)."""
        merged = dict(self.frames)
        merged.update((f.sample_id, f) for f in frames)
        return SequenceManifest(merged.values())

    @staticmethod
    def attach(data_list, data_root, img_prefix, img_suffix):
        """Add ``sequence`` and ``frame`` of ``manifest.csv`` to MMSeg data infos."""
        path = osp.join(data_root or '', MANIFEST_FILE)
        manifest = SequenceManifest.read(path) if osp.isfile(path) else None
        for info in data_list:
            sample_id = osp.relpath(info['img_path'], img_prefix)[:-len(img_suffix)]
            frame = manifest.frames.get(sample_id) if manifest else None
            info['sequence'] = frame.sequence if frame else sample_id
            info['frame'] = frame.frame if frame else 0
        return data_list


def write_manifest(manifest, path):
    """Write ``manifest`` to ``path`` atomically."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    lines = [','.join(_FIELDS)]
    lines += [f'{f.sample_id},{f.split},{f.sequence},{f.frame},{f.source}'
              for f in manifest.frames.values()]
    atomic_write_text(path, '\n'.join(lines) + '\n')
