import math

import numpy as np
import pytest
import torch
from kcenter_oracle import brute_force_k_center

from mmseg_al.acquisition.functional import (bald_scores, entropy_scores,
                                             equal_entropy_sum_scores, equal_scores,
                                             k_center_greedy, mutual_information_scores,
                                             nearest_center_sq_distances)


def test_entropy_hand_computed():
    # One image, 2 classes, 2 pixels: p = (0.5, 0.5) and (1, 0).
    probs = torch.tensor([[[[0.5, 1.0]], [[0.5, 0.0]]]])
    assert torch.allclose(entropy_scores(probs), torch.tensor([math.log(2) / 2]))


def test_entropy_uniform_is_log_c_and_one_hot_is_zero():
    uniform = torch.full((3, 5, 4, 6), 0.2)
    one_hot = torch.nn.functional.one_hot(torch.randint(0, 5, (3, 4, 6)), 5).permute(0, 3, 1, 2)
    assert torch.allclose(entropy_scores(uniform), torch.full((3, ), math.log(5)))
    assert torch.allclose(entropy_scores(one_hot.float()), torch.zeros(3))


def test_entropy_ignores_invalid_pixels():
    probs = torch.tensor([[[[0.5, 1.0]], [[0.5, 0.0]]]])
    valid = torch.tensor([[[True, False]]])
    assert torch.allclose(entropy_scores(probs, valid), torch.tensor([math.log(2)]))


def _random_probs(*shape, generator=None):
    return torch.softmax(torch.randn(*shape, generator=generator, dtype=torch.float64), dim=-3)


def _entropy(*p):
    return -sum(x * math.log(x) for x in p if x > 0)


def test_bald_hand_computed():
    # Two passes at one pixel: (1, 0) and (0, 1). Mean (0.5, 0.5): H = log 2; each
    # pass has H = 0, so the mutual information is log 2.
    mc = torch.tensor([1.0, 0.0, 0.0, 1.0]).view(2, 1, 2, 1, 1)
    assert bald_scores(mc).item() == pytest.approx(math.log(2))


def test_bald_hand_computed_soft_samples():
    # Passes (0.9, 0.1) and (0.5, 0.5): H(0.7, 0.3) - (H(0.9, 0.1) + H(0.5, 0.5)) / 2.
    mc = torch.tensor([0.9, 0.1, 0.5, 0.5], dtype=torch.float64).view(2, 1, 2, 1, 1)
    expected = _entropy(0.7, 0.3) - (_entropy(0.9, 0.1) + _entropy(0.5, 0.5)) / 2
    assert bald_scores(mc).item() == pytest.approx(expected)


def test_bald_identical_samples_is_zero():
    probs = _random_probs(3, 4, 5, 6)
    mc = probs.unsqueeze(0).expand(7, -1, -1, -1, -1)
    assert torch.allclose(bald_scores(mc), torch.zeros(3, dtype=torch.float64), atol=1e-12)


def test_bald_ignores_invalid_pixels_and_equals_moment_form():
    gen = torch.Generator().manual_seed(1)
    mc = _random_probs(5, 2, 3, 4, 4, generator=gen)
    valid = torch.rand(2, 4, 4, generator=gen) > 0.5
    # Overwriting only ignored pixels (with maximal disagreement) changes nothing.
    changed = mc.clone().permute(0, 1, 3, 4, 2)
    changed[0][~valid] = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    changed[1][~valid] = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    changed = changed.permute(0, 1, 4, 2, 3)
    assert torch.allclose(bald_scores(mc, valid), bald_scores(changed, valid))
    assert not torch.allclose(bald_scores(mc), bald_scores(changed))
    entropies = -(mc * mc.log()).sum(2)
    assert torch.allclose(bald_scores(mc, valid),
                          mutual_information_scores(mc.mean(0), entropies.mean(0), valid))


def test_bald_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r'\[T, N, C, H, W\]'):
        bald_scores(torch.rand(2, 3, 4, 4))


def test_equal_hand_computed():
    # One image, 2 classes, 1x2 pixels. Prediction on the image: left (1, 0), right (0.5, 0.5).
    # Prediction on the flipped image, in the flipped frame: left (0.5, 0.5) belongs to the
    # original right pixel; right (0, 1) belongs to the original left pixel.
    probs = torch.tensor([[[[1.0, 0.5]], [[0.0, 0.5]]]])
    flipped = torch.tensor([[[[0.5, 0.0]], [[0.5, 1.0]]]])
    # Left pixel: 0.5 * (|1 - 0| + |0 - 1|) = 1; right pixel: 0 -> mean 0.5.
    assert equal_scores(probs, flipped).item() == pytest.approx(0.5)
    valid = torch.tensor([[[False, True]]])
    assert equal_scores(probs, flipped, valid).item() == pytest.approx(0.0)


def test_equal_equivariant_prediction_scores_zero_and_is_not_entropy():
    probs = _random_probs(2, 4, 3, 5)
    assert torch.allclose(equal_scores(probs, probs.flip(-1)),
                          torch.zeros(2, dtype=torch.float64))
    # A confident but flip-inconsistent prediction scores 1 while its entropy is 0.
    one_hot = torch.zeros(1, 2, 1, 2)
    one_hot[0, 0, 0, 0] = one_hot[0, 1, 0, 1] = 1
    assert entropy_scores(one_hot).item() == 0
    assert equal_scores(one_hot, one_hot).item() == pytest.approx(1.0)


def test_equal_entropy_sum_hand_computed():
    # Image: left (1, 0) H = 0, right (0.5, 0.5) H = log 2 -> mean log(2) / 2.
    # Flipped image (its own frame): left (0.5, 0.5) H = log 2, right (0.9, 0.1).
    probs = torch.tensor([[[[1.0, 0.5]], [[0.0, 0.5]]]], dtype=torch.float64)
    flipped = torch.tensor([[[[0.5, 0.9]], [[0.5, 0.1]]]], dtype=torch.float64)
    expected = math.log(2) / 2 + (math.log(2) + _entropy(0.9, 0.1)) / 2
    assert equal_entropy_sum_scores(probs, flipped).item() == pytest.approx(expected)
    # Only the right pixel counts: in the flipped frame it is the left one.
    valid = torch.tensor([[[False, True]]])
    assert equal_entropy_sum_scores(probs, flipped, valid).item() == pytest.approx(
        2 * math.log(2))
    # Unlike the disagreement, a flip-equivariant but unsure model scores high.
    uniform = torch.full((1, 2, 1, 2), 0.5)
    assert equal_scores(uniform, uniform).item() == 0
    assert equal_entropy_sum_scores(uniform, uniform).item() == pytest.approx(2 * math.log(2))


def test_equal_rejects_mismatched_shapes():
    for scores in (equal_scores, equal_entropy_sum_scores):
        with pytest.raises(ValueError, match='one shape'):
            scores(torch.rand(1, 2, 3, 4), torch.rand(1, 2, 3, 5))


@pytest.mark.parametrize('num_unlabeled,num_labeled,dim,k',
                         [(200, 30, 8, 25), (150, 0, 3, 10), (64, 5, 40, 64)])
def test_k_center_greedy_matches_brute_force(num_unlabeled, num_labeled, dim, k):
    rng = np.random.default_rng(num_unlabeled + dim)
    unlabeled = rng.normal(size=(num_unlabeled, dim))
    labeled = rng.normal(size=(num_labeled, dim))
    expected_picks, expected_radii = brute_force_k_center(unlabeled, labeled, k)
    picked, radius = k_center_greedy(torch.from_numpy(unlabeled), torch.from_numpy(labeled),
                                     k, block_size=16)
    assert picked.tolist() == expected_picks
    np.testing.assert_allclose(radius.numpy(), expected_radii, rtol=1e-9, atol=1e-12)


def test_k_center_greedy_float32_matches_float64_picks():
    rng = np.random.default_rng(3)
    unlabeled = torch.from_numpy(rng.normal(size=(500, 64)))
    labeled = torch.from_numpy(rng.normal(size=(50, 64)))
    picked64, radius64 = k_center_greedy(unlabeled, labeled, 40)
    picked32, radius32 = k_center_greedy(unlabeled.float(), labeled.float(), 40)
    assert picked32.tolist() == picked64.tolist()
    np.testing.assert_allclose(radius32.numpy(), radius64.numpy(), rtol=1e-4)


def test_k_center_greedy_ties_go_to_lowest_index():
    # Four points on the unit circle around the one labeled center: all tie at 1.
    unlabeled = torch.tensor([[1., 0.], [0., 1.], [-1., 0.], [0., -1.]])
    picked, radius = k_center_greedy(unlabeled, torch.zeros(1, 2), 2)
    # After picking (1, 0) the other three are still at distance 1 from the origin.
    assert picked.tolist() == [0, 1]
    assert radius.tolist() == [1.0, 1.0, 1.0]


def test_k_center_greedy_never_picks_twice_once_all_points_are_covered():
    # Three distinct points, each twice; 5 picks. After the 3 distinct ones every
    # distance is 0 and the rest follow pool order of the points not picked yet.
    pool = torch.tensor([[0., 0.], [0., 0.], [3., 4.], [3., 4.], [6., 8.], [6., 8.]])
    picked, radius = k_center_greedy(pool, pool[:0], 5)
    assert picked.tolist() == [0, 4, 2, 1, 3]
    assert radius.tolist() == [math.inf, 10.0, 5.0, 0.0, 0.0, 0.0]
    picked, radius = k_center_greedy(pool, pool[:0], 6)  # k = Nu: every point once
    assert picked.tolist() == [0, 4, 2, 1, 3, 5] and radius[-1] == 0


def _duplicated_pool(offset):
    # Float32 features far from the origin (raw, not centred): 8 distinct, 4 of them twice.
    gen = torch.Generator().manual_seed(0)
    distinct = torch.randn(8, 512, generator=gen) * 3 + offset
    return distinct, torch.cat([distinct, distinct[:4]])


@pytest.mark.parametrize('num_labeled', [0, 3])
def test_k_center_greedy_radius_is_exactly_zero_on_duplicates(num_labeled):
    distinct, pool = _duplicated_pool(offset=100.0)
    labeled = distinct[:num_labeled]
    picked, radius = k_center_greedy(pool, labeled, 10)
    expected_picks, _ = brute_force_k_center(pool.numpy(), labeled.numpy(), 10)
    assert picked.tolist() == expected_picks
    assert len(set(picked.tolist())) == 10
    # 8 - num_labeled picks cover every distinct point; from then on the radius is 0.
    assert radius[8 - num_labeled:].tolist() == [0.0] * (3 + num_labeled)
    assert radius[8 - num_labeled - 1] > 0


def test_nearest_center_distance_of_a_duplicate_is_exactly_zero():
    distinct, pool = _duplicated_pool(offset=100.0)
    nearest = nearest_center_sq_distances(pool, distinct[:4], block_size=3)
    assert nearest[:4].tolist() == [0.0] * 4 and nearest[8:].tolist() == [0.0] * 4
    expected = torch.cdist(pool[4:8].double(), distinct[:4].double()).min(1).values.pow(2)
    # Elsewhere the expansion keeps its rounding, relative to the (large) norms.
    torch.testing.assert_close(nearest[4:8].double(), expected, rtol=1e-3, atol=0)


def test_k_center_radius_never_grows_and_covers_pool():
    rng = np.random.default_rng(5)
    unlabeled = torch.from_numpy(rng.normal(size=(300, 6)))
    labeled = torch.from_numpy(rng.normal(size=(10, 6)))
    picked, radius = k_center_greedy(unlabeled, labeled, 30)
    assert torch.all(radius[1:] <= radius[:-1])
    centers = torch.cat([labeled, unlabeled[picked]])
    assert torch.cdist(unlabeled, centers).min(1).values.max().item() == pytest.approx(
        radius[-1].item())


def test_nearest_center_sq_distances_against_cdist():
    gen = torch.Generator().manual_seed(2)
    points = torch.randn(37, 5, generator=gen, dtype=torch.float64)
    centers = torch.randn(23, 5, generator=gen, dtype=torch.float64)
    expected = torch.cdist(points, centers).min(1).values.pow(2)
    assert torch.allclose(nearest_center_sq_distances(points, centers, block_size=7), expected)


def test_k_center_greedy_rejects_bad_input():
    with pytest.raises(ValueError, match='at most'):
        k_center_greedy(torch.rand(3, 2), torch.rand(1, 2), 4)
    with pytest.raises(ValueError, match='dimension'):
        k_center_greedy(torch.rand(3, 2), torch.rand(1, 3), 1)
