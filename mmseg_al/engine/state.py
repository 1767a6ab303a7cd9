"""Files on disk written atomically, and the experiment state: plain JSON a person can read."""
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


class ALState:
    """The resumable state of one AL experiment (``al_state.json``).

    Holds the labeled ids (with the cycle each was labeled in, which is the
    ActiveDataset's state), the phases finished per cycle and their results, the
    seed and a hash of the config, so a changed config is noticed on resume.
    """
    FILE = 'al_state.json'
    VERSION = 1

    def __init__(self, path, seed, config_hash, labeled=None, cycles=None):
        self.path, self.seed, self.config_hash = path, seed, config_hash
        self.labeled = dict(labeled or {})
        self.cycles = {int(k): v for k, v in (cycles or {}).items()}

    @classmethod
    def load(cls, path):
        data = read_json(path, 'AL state')
        try:
            if data['version'] != cls.VERSION:
                raise StateError(f'{path} has state version {data["version"]}, this tool '
                                 f'reads version {cls.VERSION}.')
            return cls(path, data['seed'], data['config_hash'], data['labeled'],
                       data['cycles'])
        except (KeyError, TypeError) as err:
            raise StateError(f'AL state {path} lacks {err}; it was not written by this tool '
                             'or is damaged. Use --restart to start over.') from err

    def save(self):
        atomic_write_json(self.path, dict(
            version=self.VERSION, seed=self.seed, config_hash=self.config_hash,
            labeled=self.labeled, cycles={str(k): v for k, v in sorted(self.cycles.items())}))

    def cycle(self, k):
        return self.cycles.setdefault(k, dict(done=[]))

    def is_done(self, k, phase):
        return phase in self.cycle(k)['done']

    def mark_done(self, k, phase, **record):
        entry = self.cycle(k)
        entry.update(record)
        if phase not in entry['done']:
            entry['done'].append(phase)
        self.save()
