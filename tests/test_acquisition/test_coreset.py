from types import SimpleNamespace

import numpy as np
import pytest
import torch
from kcenter_oracle import brute_force_k_center
from mmseg_al.acquisition.coreset import CoresetAcquisition

from tiny_segmentor import build_tiny_model, make_context


def test_default_layer_is_the_aspp_output_and_grid_pooling_refines_avg():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=4)
    avg = CoresetAcquisition().pooled_features(tiny_model, ctx.unlabeled_loader, 4, 'x')
    grid = CoresetAcquisition(pooling=(2, 2)).pooled_features(
        tiny_model, ctx.unlabeled_loader, 4, 'x')
    assert avg.shape == (4, tiny_model.decode_head.channels)
    assert grid.shape == (4, 4 * tiny_model.decode_head.channels)
    # 32x48 input -> 4x6 ASPP map: the 2x2 cells are equal-sized, so their mean is the average.
    assert torch.allclose(grid.view(4, -1, 4).mean(-1), avg, atol=1e-6)


def test_selection_matches_brute_force_k_center():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=12, num_labeled=3)
    acquisition = CoresetAcquisition(pooling=(2, 2))
    unlabeled = acquisition.pooled_features(tiny_model, ctx.unlabeled_loader, 12, 'x')
    labeled = acquisition.pooled_features(tiny_model, ctx.labeled_loader, 3, 'x')
    picks, radii = brute_force_k_center(unlabeled.double().numpy(), labeled.double().numpy(), 5)
    selection = acquisition.select(ctx, 5)
    assert selection.ids == [ctx.unlabeled_ids[i] for i in picks]
    assert selection.info['radius_before'] == pytest.approx(radii[0], rel=1e-3)
    assert selection.info['radius_after'] == pytest.approx(radii[-1], rel=1e-3)
    assert [selection.scores[i] for i in selection.ids] == pytest.approx(radii[:-1], rel=1e-3)


def test_backends_and_projection():
    tiny_model = build_tiny_model()
    pytest.importorskip('faiss')
    ctx = make_context(tiny_model, num_unlabeled=12, num_labeled=3)
    torch_pick = CoresetAcquisition(pooling=(2, 2)).select(ctx, 4)
    faiss_pick = CoresetAcquisition(pooling=(2, 2), backend='faiss').select(ctx, 4)
    assert faiss_pick.ids == torch_pick.ids
    projected = CoresetAcquisition(pooling=(2, 2), projection_dim=16).select(ctx, 4)
    info = projected.info
    assert info['projection_dim'] == 16 and len(projected.ids) == 4
    assert info['radius_after_original_space'] <= info['radius_before_original_space']
    assert info['radius_after_original_space'] >= torch_pick.info['radius_after'] * 0.5


def test_no_labeled_images_starts_from_the_first_unlabeled():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=6, num_labeled=0)
    selection = CoresetAcquisition().select(ctx, 3)
    assert selection.ids[0] == ctx.unlabeled_ids[0] and len(set(selection.ids)) == 3


def test_bad_configuration_is_rejected_clearly():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=2, num_labeled=1)
    with pytest.raises(ValueError, match='not a module'):
        CoresetAcquisition(feature_layer='decode_head.aspp_output').select(ctx, 1)
    with pytest.raises(ValueError, match=r'\[B, C, H, W\]'):
        CoresetAcquisition(feature_layer='backbone').select(ctx, 1)
    with pytest.raises(ValueError, match='pooling'):
        CoresetAcquisition(pooling='max')
    with pytest.raises(ValueError, match='backend'):
        CoresetAcquisition(backend='annoy')
    assert np.isfinite(CoresetAcquisition(feature_layer='decode_head.conv_seg').select(
        ctx, 1).info['radius_after'])


def test_identical_frames_are_each_picked_once_in_pool_order():
    # Three distinct feature vectors, each recorded twice (a parked car), far from the
    # origin; a budget of 5 covers every distinct one, then takes pool order.
    gen = torch.Generator().manual_seed(0)
    distinct = torch.randn(3, 64, generator=gen) + 50
    features = distinct[[0, 0, 1, 1, 2, 2]]
    ctx = SimpleNamespace(unlabeled_ids=[f'frame{i}' for i in range(6)], seed=0)
    selection = CoresetAcquisition().select_from_features(
        features.clone(), features.new_empty(0, 64), 5, ctx, 'cpu')
    expected, _ = brute_force_k_center(features.numpy(), np.empty((0, 64)), 5)
    assert selection.ids == [f'frame{i}' for i in expected]
    assert len(set(selection.ids)) == 5 and selection.info['radius_after'] == 0
