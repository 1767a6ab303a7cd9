"""Selection diagnostics: does a batch collapse onto near-duplicate frames?

Mode collapse, the study's headline failure of single-sample acquisition on
redundant data, shows as many picks from one sequence and picks within a few
frames of each other. These numbers are recorded per cycle in results.json.
"""
from collections import Counter, defaultdict


def selection_diagnostics(picked, near_frames=2):
    """Redundancy of one acquired batch.

    Args:
        picked (list[tuple[str, int]]): (sequence, frame) of each picked image.
        near_frames (int): picks at most this many frames apart count as near.

    Returns:
        dict: ``share_sequence`` (fraction of picks sharing a sequence with another
        pick), ``near_duplicate`` (fraction within ``near_frames`` frames of another
        pick of the same sequence), ``largest_sequence_share`` and ``sequences``
        (distinct sequences covered).
    """
    if not picked:
        return dict(share_sequence=0.0, near_duplicate=0.0, largest_sequence_share=0.0,
                    sequences=0)
    counts = Counter(sequence for sequence, _ in picked)
    frames = defaultdict(list)
    for sequence, frame in picked:
        frames[sequence].append(frame)
    near = 0
    for sequence, frame in picked:
        others = list(frames[sequence])
        others.remove(frame)
        near += any(abs(frame - other) <= near_frames for other in others)
    total = len(picked)
    return dict(
        share_sequence=sum(c for c in counts.values() if c > 1) / total,
        near_duplicate=near / total,
        largest_sequence_share=max(counts.values()) / total,
        sequences=len(counts))
