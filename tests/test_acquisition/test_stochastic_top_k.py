"""stochastic_top_k against the Plackett-Luce law it promises, and its limits."""
import itertools

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from mmseg_al.acquisition.functional import stochastic_top_k

SCORES = torch.tensor([0.5, 2.0, 1.0, 4.0, 0.25])
DRAWS = 4000


def plackett_luce(weights):
    """Hand-written law of the first pick and of the ordered first two picks."""
    total = sum(weights)
    first = [w / total for w in weights]
    pairs = {(i, j): weights[i] / total * weights[j] / (total - weights[i])
             for i, j in itertools.permutations(range(len(weights)), 2)}
    return first, pairs


def draw(k, mode, beta, scores=SCORES, draws=DRAWS, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [stochastic_top_k(scores, k, mode, beta, generator).tolist() for _ in range(draws)]


def assert_frequencies_match(samples, first, pairs):
    counts = np.bincount([s[0] for s in samples], minlength=len(first))
    assert chisquare(counts, np.array(first) * len(samples)).pvalue > 1e-3
    keys = list(pairs)
    pair_counts = np.array([sum(tuple(s[:2]) == key for s in samples) for key in keys])
    assert chisquare(pair_counts, np.array([pairs[key] for key in keys]) * len(samples)
                     ).pvalue > 1e-3


@pytest.mark.parametrize('mode, beta, weights', [
    ('power', 1.0, [0.5, 2.0, 1.0, 4.0, 0.25]),  # s^1
    ('power', 0.5, [0.5**0.5, 2.0**0.5, 1.0, 2.0, 0.5]),  # s^0.5
    ('softmax', 1.0, [np.exp(0.5), np.exp(2.0), np.e, np.exp(4.0), np.exp(0.25)]),
    ('softrank', 1.0, [1 / 4, 1 / 2, 1 / 3, 1 / 1, 1 / 5]),  # ranks 4 2 3 1 5
])
def test_first_and_first_two_picks_follow_plackett_luce(mode, beta, weights):
    first, pairs = plackett_luce(weights)
    assert_frequencies_match(draw(2, mode, beta), first, pairs)


@pytest.mark.parametrize('mode', ['power', 'softmax', 'softrank'])
def test_beta_zero_is_uniform(mode):
    n = len(SCORES)
    first, pairs = plackett_luce([1.0] * n)
    assert_frequencies_match(draw(2, mode, 0.0), first, pairs)


@pytest.mark.parametrize('mode', ['power', 'softmax', 'softrank'])
def test_large_beta_is_the_top_k(mode):
    scores = torch.randperm(30, generator=torch.Generator().manual_seed(1)).double() + 1
    expected = torch.argsort(scores, descending=True)[:10].tolist()
    for sample in draw(10, mode, 1000.0, scores=scores, draws=50):
        assert sample == expected


@pytest.mark.parametrize('mode', ['power', 'softmax', 'softrank'])
def test_k_equal_to_n_returns_every_index_once(mode):
    scores = torch.tensor([0.0, 1.0, 1.0, 0.0, 3.0, 0.0])  # ties and zeros
    for sample in draw(len(scores), mode, 2.0, scores=scores, draws=50):
        assert sorted(sample) == list(range(len(scores)))


def test_zero_scores_come_last_in_uniformly_random_order():
    scores = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0])
    samples = draw(5, 'power', 1.0, scores=scores, draws=3000)
    assert all(set(s[:2]) == {1, 3} for s in samples)
    zero_orders = [tuple(s[2:]) for s in samples]
    counts = [zero_orders.count(p) for p in itertools.permutations([0, 2, 4])]
    assert chisquare(counts).pvalue > 1e-3


def test_same_generator_seed_same_batch_and_large_scores_do_not_overflow():
    scores = torch.linspace(0, 1e6, 100)
    a = stochastic_top_k(scores, 5, 'softmax', 1.0, torch.Generator().manual_seed(3))
    b = stochastic_top_k(scores, 5, 'softmax', 1.0, torch.Generator().manual_seed(3))
    assert a.tolist() == b.tolist() == list(range(99, 94, -1))
    assert a.dtype == torch.long


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match='needs scores >= 0'):
        stochastic_top_k(torch.tensor([1.0, -0.1]), 1, 'power')
    with pytest.raises(ValueError, match='finite'):
        stochastic_top_k(torch.tensor([1.0, float('nan')]), 1, 'softmax')
    with pytest.raises(ValueError, match='mode'):
        stochastic_top_k(SCORES, 1, 'gumbel')
    with pytest.raises(ValueError, match='beta'):
        stochastic_top_k(SCORES, 1, 'power', beta=-1)
    with pytest.raises(ValueError, match='k=6'):
        stochastic_top_k(SCORES, 6)
