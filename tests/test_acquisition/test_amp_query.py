"""Query passes of a model trained with AMP: autocast around the forward calls only."""
import dataclasses

import pytest
import torch

import mmseg_al.acquisition.badge as badge_module
import mmseg_al.acquisition.base as base_module
import mmseg_al.acquisition.entropy as entropy_module
import mmseg_al.acquisition.pooled_features as pooled_features_module
from mmseg_al.acquisition.pooled_features import pooled_features
from mmseg_al.registry import ACQUISITIONS
from tiny_segmentor import build_tiny_model, make_context

ACQUISITIONS_CFGS = [
    dict(type='EntropyAcquisition'),
    dict(type='EquALAcquisition'),
    dict(type='BALDAcquisition', num_samples=3),
    dict(type='CoresetAcquisition'),
    dict(type='BADGEAcquisition'),
    dict(type='UncertainCoresetAcquisition', candidate_factor=2),
]


@pytest.mark.parametrize('cfg', ACQUISITIONS_CFGS, ids=lambda c: c['type'])
def test_amp_on_the_cpu_changes_no_number(cfg):
    """Autocast is CUDA-only: on the CPU a run with AMP on queries exactly as without."""
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=6, num_labeled=2)
    plain = ACQUISITIONS.build(cfg).select(ctx, 2)
    with_amp = ACQUISITIONS.build(cfg).select(dataclasses.replace(ctx, amp=True), 2)
    assert with_amp == plain


def _cpu_bfloat16(model, enabled):
    """What CUDA autocast does to a forward pass, on the CPU: reduced-precision outputs."""
    return torch.autocast('cpu', dtype=torch.bfloat16, enabled=enabled)


@pytest.fixture
def reduced_precision_forward(monkeypatch):
    for module in (base_module, badge_module, pooled_features_module):
        monkeypatch.setattr(module, 'inference_autocast', _cpu_bfloat16)


def test_features_and_embeddings_of_a_reduced_precision_forward_are_float32(
        reduced_precision_forward):
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=6, num_labeled=2)
    exact = pooled_features(model, ctx.unlabeled_loader, 6, 'decode_head.bottleneck')
    autocast = pooled_features(model, ctx.unlabeled_loader, 6, 'decode_head.bottleneck',
                               amp=True)
    assert exact.dtype == autocast.dtype == torch.float32
    assert not torch.equal(autocast, exact)  # the forward did run in bfloat16
    torch.testing.assert_close(autocast, exact, rtol=0.05, atol=0.05)
    generator = torch.Generator().manual_seed(0)
    embeddings, norms = ACQUISITIONS.build(dict(type='BADGEAcquisition')).embeddings(
        dataclasses.replace(ctx, amp=True), generator)
    assert embeddings.dtype == norms.dtype == torch.float32


def test_scores_of_a_reduced_precision_forward_are_computed_in_float32(
        reduced_precision_forward, monkeypatch):
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=6, num_labeled=2)
    seen = []
    original = entropy_module.entropy_scores

    def recording(probs, valid):
        seen.append(probs.dtype)
        return original(probs, valid)

    monkeypatch.setattr(entropy_module, 'entropy_scores', recording)
    plain = ACQUISITIONS.build(dict(type='EntropyAcquisition')).select(ctx, 2)
    with_amp = ACQUISITIONS.build(dict(type='EntropyAcquisition')).select(
        dataclasses.replace(ctx, amp=True), 2)
    assert set(seen) == {torch.float32}
    assert with_amp.scores != plain.scores
    for key, value in plain.scores.items():
        assert with_amp.scores[key] == pytest.approx(value, rel=0.05)
