"""BADGE: gradient embeddings against autograd on a real mmseg head; k-means++ D² sampling."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import chisquare

from mmseg_al.acquisition.badge import BADGEAcquisition
from mmseg_al.acquisition.base import iterate_batches
from mmseg_al.acquisition.functional import badge_embeddings, kmeans_pp_seeding
from tiny_segmentor import build_tiny_model, make_context


def classifier_io(model, inputs):
    """``conv_seg``'s input and logits for preprocessed ``inputs``, with grad."""
    captured = []
    handle = model.decode_head.conv_seg.register_forward_hook(
        lambda module, args, output: captured.append((args[0], output)))
    try:
        model.decode_head.forward(model.extract_feat(inputs))
    finally:
        handle.remove()
    return captured[0]


def autograd_embedding(model, feats, valid):
    """Gradient of one image's mean pixel CE (argmax labels, invalid pixels ignored)
    w.r.t. the real ``conv_seg`` weight, flattened class-major."""
    model.zero_grad()
    logits = model.decode_head.conv_seg(feats)
    labels = logits.argmax(1).masked_fill(~valid, 255)
    F.cross_entropy(logits, labels, ignore_index=255).backward()
    return model.decode_head.conv_seg.weight.grad.flatten().clone()


def test_embeddings_equal_autograd_on_a_real_decode_head_with_a_valid_mask():
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=4, batch_size=4)
    inputs, _ = next(iterate_batches(model, ctx.unlabeled_loader, 'test'))
    feats, logits = classifier_io(model, inputs)
    feats = feats.detach()
    valid = torch.rand(logits.shape[0], *logits.shape[2:],
                       generator=torch.Generator().manual_seed(0)) > 0.3
    valid[0] = True
    num_classes, channels = model.decode_head.conv_seg.weight.shape[:2]

    got = badge_embeddings(F.softmax(logits.detach(), 1), feats, valid)

    assert got.shape == (4, num_classes * channels)
    expected = torch.stack([autograd_embedding(model, feats[i:i + 1], valid[i:i + 1])
                            for i in range(4)])
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)
    # Without a mask every pixel counts (the first image's mask is all True).
    torch.testing.assert_close(badge_embeddings(F.softmax(logits.detach()[:1], 1), feats[:1]),
                               expected[:1], rtol=1e-4, atol=1e-6)


def test_acquisition_embeds_each_image_as_the_autograd_gradient_of_the_model():
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=5, batch_size=2)
    embeddings, norms = BADGEAcquisition().embeddings(ctx, torch.Generator().manual_seed(0))
    expected = []
    for inputs, _ in iterate_batches(model, ctx.unlabeled_loader, 'test'):
        feats, logits = classifier_io(model, inputs)
        expected += [autograd_embedding(model, feats[i:i + 1].detach(),
                                        torch.ones_like(logits[i:i + 1, 0], dtype=torch.bool))
                     for i in range(len(inputs))]
    torch.testing.assert_close(embeddings, torch.stack(expected), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(norms, torch.stack(expected).norm(dim=1))


def test_projection_keeps_the_norms_and_nearly_the_distances():
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=6)
    full, norms = BADGEAcquisition().embeddings(ctx, torch.Generator().manual_seed(0))
    projected, projected_norms = BADGEAcquisition(projection_dim=256).embeddings(
        ctx, torch.Generator().manual_seed(0))
    assert projected.shape == (6, 256)
    torch.testing.assert_close(projected_norms, norms)  # reported before projection
    ratio = torch.pdist(projected) / torch.pdist(full)
    assert ((ratio > 0.7) & (ratio < 1.3)).all()


def test_a_model_without_the_classifier_is_refused_before_the_pass():
    model = build_tiny_model()
    ctx = make_context(model)
    with pytest.raises(ValueError, match="'decode_head.nothing'.*NoneType"):
        BADGEAcquisition(classifier='decode_head.nothing').check_model(model)
    with pytest.raises(ValueError, match="'decode_head.image_pool'.*Sequential"):
        BADGEAcquisition(classifier='decode_head.image_pool').select(ctx, 2)
    with pytest.raises(ValueError, match='projection_dim'):
        BADGEAcquisition(projection_dim=0)


# Points on hand-computable distances: a = (0, 0) is the initial center (the origin).
POINTS = torch.tensor([[0., 0.], [1., 0.], [0., 2.], [3., 0.]])
ORIGIN = torch.zeros(1, 2)
# D² to the origin: a 0, b 1, c 4, d 9 (sum 14). After b: c min(4, 5) = 4, d min(9, 4) = 4;
# after c: b min(1, 5) = 1, d min(9, 13) = 9; after d: b min(1, 4) = 1, c min(4, 13) = 4.
FIRST = [0, 1 / 14, 4 / 14, 9 / 14]
PAIRS = {(1, 2): 1 / 14 * 4 / 8, (1, 3): 1 / 14 * 4 / 8, (2, 1): 4 / 14 * 1 / 10,
         (2, 3): 4 / 14 * 9 / 10, (3, 1): 9 / 14 * 1 / 5, (3, 2): 9 / 14 * 4 / 5}


def test_kmeans_pp_follows_d2_sampling_on_a_hand_made_set():
    generator = torch.Generator().manual_seed(0)
    samples = [kmeans_pp_seeding(POINTS, 2, ORIGIN, generator).tolist() for _ in range(4000)]
    first = np.bincount([s[0] for s in samples], minlength=4)
    assert first[0] == 0  # the center's duplicate is never drawn while others remain
    assert chisquare(first[1:], np.array(FIRST[1:]) * len(samples)).pvalue > 1e-3
    pairs = np.array([sum(tuple(s) == key for s in samples) for key in PAIRS])
    assert pairs.sum() == len(samples)
    assert chisquare(pairs, np.array(list(PAIRS.values())) * len(samples)).pvalue > 1e-3


def test_kmeans_pp_first_pick_is_uniform_without_centers_and_picks_never_repeat():
    generator = torch.Generator().manual_seed(0)
    first = np.bincount([int(kmeans_pp_seeding(POINTS, 1, generator=generator)[0])
                         for _ in range(2000)], minlength=4)
    assert chisquare(first).pvalue > 1e-3
    duplicates = torch.tensor([[1., 1.]] * 3 + [[2., 2.]])  # 2 distinct points
    for _ in range(20):
        picked = kmeans_pp_seeding(duplicates, 4, generator=generator).tolist()
        assert sorted(picked) == [0, 1, 2, 3]
        assert 3 in picked[:2]  # both distinct points before any copy
    # Covered points (the origin's duplicate) come last.
    assert kmeans_pp_seeding(POINTS, 4, ORIGIN, generator).tolist()[-1] == 0
