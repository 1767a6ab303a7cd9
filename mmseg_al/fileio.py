"""Files this tool writes and reads: atomic writes (tmp + rename), and JSON it wrote.

Engine state, datasets, pools and tools all write through here, so this module
imports nothing else of the package.
"""
import json
import os
import os.path as osp
import tempfile

import cv2


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` so readers see the old or the new file, never half."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + osp.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode())


def atomic_write_png(path, image):
    """Encode ``image`` (HxW or HxWx3 BGR, uint8) as PNG and write it atomically."""
    ok, encoded = cv2.imencode('.png', image)
    if not ok:
        raise OSError(f'Could not encode {path} as PNG.')
    atomic_write_bytes(path, encoded.tobytes())


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + '\n')


class StateError(RuntimeError):
    """The experiment state on disk cannot be used as it is."""


def read_json(path, what):
    """Read a JSON file this tool wrote; a corrupt file is a :class:`StateError`."""
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise StateError(
            f'{what} {path} is corrupt ({err}). Nothing was changed. Restore it from a '
            'backup, or re-run with --restart to start over (the old work dir is kept '
            'beside the new one).') from err
