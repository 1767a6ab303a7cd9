"""The sampling option of score acquisitions, BADGE's selection and Uncertain-Coreset."""
import numpy as np
import pytest
import torch
from kcenter_oracle import brute_force_k_center

from mmseg_al.acquisition.base import seeded_generator
from mmseg_al.acquisition.coreset import CoresetAcquisition
from mmseg_al.acquisition.functional import stochastic_top_k
from mmseg_al.recommend.evidence import acquisition_type
from mmseg_al.registry import ACQUISITIONS
from tiny_segmentor import build_tiny_model, make_context


@pytest.fixture(scope='module')
def model():
    tiny = build_tiny_model(dropout_ratio=0.5)
    with torch.no_grad():  # sharper predictions: distinct scores, no ties
        tiny.decode_head.conv_seg.weight.mul_(30)
    return tiny


def test_sampling_draws_the_batch_from_the_scores_seeded_by_seed_and_cycle(model):
    ctx = make_context(model, num_unlabeled=12, seed=3, cycle=2)
    plain = ACQUISITIONS.build(dict(type='EntropyAcquisition')).select(ctx, 4)
    sampled = ACQUISITIONS.build(dict(type='EntropyAcquisition',
                                      sampling=dict(mode='softrank', beta=1.0))).select(ctx, 4)
    assert sampled.scores == plain.scores
    scores = torch.tensor([plain.scores[i] for i in ctx.unlabeled_ids], dtype=torch.float64)
    expected = stochastic_top_k(scores, 4, 'softrank', 1.0, seeded_generator(3, 2))
    assert sampled.ids == [ctx.unlabeled_ids[i] for i in expected.tolist()]
    assert sampled.ids != plain.ids
    assert sampled.info['sampling'] == dict(mode='softrank', beta=1.0)
    assert 'sampling' not in plain.info
    other_cycle = make_context(model, num_unlabeled=12, seed=3, cycle=3)
    acquisition = ACQUISITIONS.build(dict(type='EntropyAcquisition', sampling=dict()))
    assert acquisition.sampling == dict(mode='power', beta=1.0)  # the defaults
    draws = {tuple(acquisition.select(c, 4).ids) for c in (ctx, ctx, other_cycle)}
    assert len(draws) == 2  # same (seed, cycle), same batch; another cycle, another


def test_power_entropy_is_entropy_with_power_sampling_under_a_name_studies_use(model):
    ctx = make_context(model, num_unlabeled=12, seed=3, cycle=2)
    named = ACQUISITIONS.build(dict(type='PowerEntropyAcquisition', beta=2.0)).select(ctx, 4)
    option = ACQUISITIONS.build(dict(type='EntropyAcquisition',
                                     sampling=dict(mode='power', beta=2.0))).select(ctx, 4)
    assert (named.ids, named.scores, named.info) == (option.ids, option.scores, option.info)
    assert acquisition_type('PowerEntropy') == 'PowerEntropyAcquisition'
    with pytest.raises(ValueError, match='beta'):
        ACQUISITIONS.build(dict(type='PowerEntropyAcquisition', beta=-1))


def test_every_score_acquisition_takes_the_option_beside_its_own(model):
    equal = ACQUISITIONS.build(dict(type='EquALAcquisition', score='entropy_sum',
                                    sampling=dict(mode='softmax', beta=2)))
    bald = ACQUISITIONS.build(dict(type='BALDAcquisition', num_samples=3,
                                   sampling=dict(beta=1e4)))
    assert (equal.score, equal.sampling) == ('entropy_sum', dict(mode='softmax', beta=2))
    assert bald.num_samples == 3
    ctx = make_context(model, num_unlabeled=10)
    # A cold law is the top-k.
    assert bald.select(ctx, 3).ids == ACQUISITIONS.build(
        dict(type='BALDAcquisition', num_samples=3)).select(ctx, 3).ids
    with pytest.raises(ValueError, match='mode and beta'):
        ACQUISITIONS.build(dict(type='EntropyAcquisition', sampling=dict(temperature=1)))
    with pytest.raises(ValueError, match='beta'):
        ACQUISITIONS.build(dict(type='EntropyAcquisition', sampling=dict(beta=-1)))
    with pytest.raises(TypeError):  # acquisitions that are not score-based do not take it
        ACQUISITIONS.build(dict(type='CoresetAcquisition', sampling=dict()))


def test_badge_picks_distinct_seeded_images_and_reports_gradient_norms(model):
    ctx = make_context(model, num_unlabeled=12, seed=1, cycle=0)
    badge = ACQUISITIONS.build(dict(type='BADGEAcquisition'))
    selection = badge.select(ctx, 5)
    assert len(set(selection.ids)) == 5
    assert badge.select(ctx, 5).ids == selection.ids
    embeddings, norms = badge.embeddings(ctx, seeded_generator(1, 0))
    assert [selection.scores[i] for i in ctx.unlabeled_ids] == pytest.approx(norms.tolist())
    assert selection.info['embedding_dim'] == embeddings.shape[1]
    picked = [ctx.unlabeled_ids.index(i) for i in selection.ids]
    assert selection.info['gradient_norm_mean_selected'] == pytest.approx(
        float(norms[picked].mean()))


def test_uncertain_coreset_is_k_center_among_the_most_uncertain(model):
    ctx = make_context(model, num_unlabeled=12, num_labeled=3)
    hybrid = ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition', candidate_factor=2,
                                     coreset=dict(pooling=(2, 2))))
    selection = hybrid.select(ctx, 3)

    entropy = ACQUISITIONS.build(dict(type='EntropyAcquisition')).select(ctx, 6)
    candidates = [ctx.unlabeled_ids.index(i) for i in entropy.ids]
    features = CoresetAcquisition(pooling=(2, 2))
    unlabeled = features.pooled_features(model, ctx.unlabeled_loader, 12, 'x')
    labeled = features.pooled_features(model, ctx.labeled_loader, 3, 'x')
    picks, radii = brute_force_k_center(unlabeled[candidates].double().numpy(),
                                        labeled.double().numpy(), 3)
    assert selection.ids == [entropy.ids[i] for i in picks]
    assert selection.info['radius_after'] == pytest.approx(radii[-1], rel=1e-3)
    assert selection.info['candidates'] == 6
    assert selection.scores == entropy.scores
    scores = np.array([entropy.scores[i] for i in selection.ids])
    assert selection.info['score_mean_selected'] == pytest.approx(scores.mean())


def test_uncertain_coreset_limits_are_the_uncertainty_and_coreset(model):
    ctx = make_context(model, num_unlabeled=12, num_labeled=3)
    entropy = ACQUISITIONS.build(dict(type='EntropyAcquisition')).select(ctx, 4)
    only_uncertain = ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition',
                                             candidate_factor=1)).select(ctx, 4)
    assert set(only_uncertain.ids) == set(entropy.ids)
    coreset = CoresetAcquisition().select(ctx, 4)
    whole_pool = ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition',
                                         candidate_factor=3)).select(ctx, 4)
    assert whole_pool.ids == coreset.ids


def test_uncertain_coreset_refuses_what_it_cannot_use():
    with pytest.raises(ValueError, match='score acquisition'):
        ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition',
                                uncertainty=dict(type='RandomAcquisition')))
    with pytest.raises(ValueError, match='candidate_factor'):
        ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition', candidate_factor=0.5))
    with pytest.raises(ValueError, match='pooling'):
        ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition', coreset=dict(pooling=3)))


def test_uncertain_coreset_checks_the_model_for_both_of_its_parts(model):
    ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition')).check_model(model)
    with pytest.raises(ValueError, match="'decode_head.nothing'"):
        ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition', coreset=dict(
            feature_layer='decode_head.nothing'))).check_model(model)
    with pytest.raises(ValueError, match='no dropout layer'):
        ACQUISITIONS.build(dict(type='UncertainCoresetAcquisition', uncertainty=dict(
            type='BALDAcquisition'))).check_model(build_tiny_model(dropout_ratio=0))
