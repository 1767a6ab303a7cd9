import numpy as np
import pytest

from mmseg_al.analysis.pool_images import EMBEDDINGS, colour_histogram_features, pixel_features
from mmseg_al.analysis.redundancy import (bootstrap_interval, covering_redundancy,
                                          duplicate_groups, group_redundancy,
                                          nearest_neighbour_ratio, nearest_neighbours,
                                          redundancy_score, sequence_contributions,
                                          sequence_redundancy_score, temporal_groups)
from mmseg_al.datasets.digit_scenes import DigitScenesSpec, make_digit_scenes
from mmseg_al.datasets.pools import consecutive_pool


def replicated(num_distinct, copies, dim=64, noise=1e-3, seed=0):
    """``num_distinct`` random points, each ``copies`` times with a little noise."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_distinct, dim))
    points = np.repeat(centers, copies, axis=0) + rng.normal(scale=noise,
                                                             size=(num_distinct * copies, dim))
    return points.astype(np.float32), np.repeat(np.arange(num_distinct), copies)


@pytest.mark.parametrize('copies', [1, 2, 6, 12])
def test_score_is_one_minus_one_over_copies(copies):
    features, truth = replicated(120 // copies, copies)
    score = redundancy_score(features)
    assert score.score == pytest.approx(1 - 1 / copies)
    assert score.effective_images == pytest.approx(120 // copies)
    # The groups are exactly the replicated points.
    labels = duplicate_groups(features)
    assert len({(a, b) for a, b in zip(labels, truth)}) == len(set(truth))


@pytest.mark.parametrize('backend', ['sklearn', 'faiss'])
def test_exact_duplicates_are_not_their_own_neighbours(backend):
    if backend == 'faiss':
        pytest.importorskip('faiss')
    features, _ = replicated(10, 3, noise=0)
    distances, indices = nearest_neighbours(features, 2, backend)
    assert (indices != np.arange(30)[:, None]).all()
    assert np.allclose(distances, 0, atol=1e-3)
    assert redundancy_score(features, backend=backend).score == pytest.approx(2 / 3)


def test_backends_find_the_same_groups():
    pytest.importorskip('faiss')
    features, _ = replicated(40, 3, noise=0.05)
    assert (duplicate_groups(features, backend='faiss')
            == duplicate_groups(features, backend='sklearn')).all()
    with pytest.raises(ValueError, match='backend'):
        nearest_neighbours(features, 2, backend='annoy')


def test_candidates_agree_on_well_separated_duplicates():
    features, _ = replicated(20, 6)
    assert covering_redundancy(features).mean() == pytest.approx(5 / 6)
    assert np.all(nearest_neighbour_ratio(features) < 0.01)
    # The nearest-neighbour ratio cannot tell 2 copies from 6: the reason it was not chosen.
    two, _ = replicated(60, 2)
    assert np.median(nearest_neighbour_ratio(two)) == pytest.approx(
        np.median(nearest_neighbour_ratio(features)), rel=0.5)


def test_temporal_groups_join_near_frames_and_copies():
    sequences = ['a', 'a', 'a', 'a', 'b', 'b', 'a']
    frames = [0, 2, 5, 6, 0, 0, 20]
    labels = temporal_groups(sequences, frames, max_gap=2)
    assert labels[0] == labels[1] != labels[2] == labels[3] != labels[6]
    assert labels[4] == labels[5]  # an augmented copy carries its source's frame
    assert len(set(labels)) == 4
    score = sequence_redundancy_score(sequences, frames)
    assert score.score == pytest.approx(1 - 4 / 7)
    assert sum(s['share'] for s in score.per_sequence) == pytest.approx(score.score)
    assert score.per_sequence[0]['sequence'] == 'a'


def test_bootstrap_interval_and_contributions():
    per_image = group_redundancy([0, 0, 1, 2, 2, 2, 3, 4])
    low, high = bootstrap_interval(per_image, seed=3)
    assert low <= per_image.mean() <= high
    assert (low, high) == bootstrap_interval(per_image, seed=3)
    assert bootstrap_interval(np.full(10, 0.5)) == (0.5, 0.5)
    rows = sequence_contributions(per_image, ['x', 'x', 'y', 'z', 'z', 'z', 'y', 'y'])
    assert [r['sequence'] for r in rows] == ['z', 'x', 'y']
    assert rows[0]['share'] == pytest.approx(3 * (2 / 3) / 8)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='N >= 2'):
        redundancy_score(np.zeros((1, 4)))
    with pytest.raises(ValueError, match='NaN'):
        redundancy_score(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match='sequence ids'):
        temporal_groups(['a'], [0, 1])


def xf_pool_paths(root, spec):
    """Image paths of Pool-0f/3f/5f/11f (48 frames each) on scenes generated from ``spec``."""
    train = make_digit_scenes(str(root), spec, progress=False).split('train')
    return [[f'{root}/img_dir/train/{i}.png'
             for i in consecutive_pool(train, num_seeds=48 // (consecutive + 1),
                                       num_consecutive=consecutive, seed=0)]
            for consecutive in (0, 3, 5, 11)]


def test_generated_pools_of_known_redundancy_are_ordered(tmp_path):
    """Pool-Xf on generated digit scenes: more consecutive frames, higher score.

    Slow traffic (about 1 px per frame), so that neighbouring frames are near-duplicates
    in pixel space, the case the pixel embedding is made for.
    """
    spec = DigitScenesSpec(num_train_sequences=12, train_frames_per_sequence=24,
                           num_val_sequences=1, val_frames_per_sequence=2, height=32, width=64,
                           digit_size=(12, 16), lane_speed=(0.5, 1.0), seed=5)
    scores = [redundancy_score(pixel_features(paths)).score
              for paths in xf_pool_paths(tmp_path, spec)]
    assert scores == sorted(scores) and len(set(scores)) == 4
    # Near the ideal X / (X + 1), a little below it: at 32x64 a digit moves ~1/30 of the
    # frame per step, so a long run sometimes splits in two.
    assert scores[1:] == pytest.approx([3 / 4, 5 / 6, 11 / 12], abs=0.12)


def test_colour_score_orders_pools_of_fast_traffic(tmp_path):
    """Pool-Xf on digit scenes whose lanes move 3-7 px per frame (the study's generator):
    neighbouring frames are far apart in pixels but not in colour, so the colour score
    still orders the pools and comes near X / (X + 1)."""
    spec = DigitScenesSpec(num_train_sequences=12, train_frames_per_sequence=24,
                           num_val_sequences=1, val_frames_per_sequence=2, seed=5)
    pools = xf_pool_paths(tmp_path, spec)
    scores = [redundancy_score(colour_histogram_features(paths),
                               threshold=EMBEDDINGS['colour'][1]).score for paths in pools]
    assert scores == sorted(scores) and len(set(scores)) == 4
    assert scores[1:] == pytest.approx([3 / 4, 5 / 6, 11 / 12], abs=0.05)
    # The pixel embedding is blind here: the last pool's runs of 12 frames look distinct.
    pixels = redundancy_score(pixel_features(pools[-1]), threshold=EMBEDDINGS['pixels'][1])
    assert pixels.score < 0.1
