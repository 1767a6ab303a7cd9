"""The experiment state: plain JSON a person can read, written atomically.

On the ground floor: the driver writes it, the oracle records a batch waiting for
labels and its import in it, and studies read which phases are done.
"""
from mmseg_al.fileio import StateError, atomic_write_json, read_json


class ALState:
    """The resumable state of one AL experiment (``work_dir_files.STATE_FILE``).

    Holds the labeled ids (with the cycle each was labeled in, which is the
    ActiveDataset's state), the phases finished per cycle and their results, the
    seed and a hash of the config, so a changed config is noticed on resume.
    """
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
