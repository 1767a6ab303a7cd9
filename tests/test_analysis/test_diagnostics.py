from mmseg_al.analysis.diagnostics import selection_diagnostics


def test_collapsed_batch():
    picked = [('a', 0), ('a', 1), ('a', 2), ('b', 10), ('c', 5)]
    d = selection_diagnostics(picked)
    assert d['share_sequence'] == 3 / 5
    assert d['near_duplicate'] == 3 / 5
    assert d['largest_sequence_share'] == 3 / 5
    assert d['sequences'] == 3


def test_same_sequence_far_apart_is_not_near():
    d = selection_diagnostics([('a', 0), ('a', 3), ('b', 0)], near_frames=2)
    assert d['share_sequence'] == 2 / 3
    assert d['near_duplicate'] == 0
