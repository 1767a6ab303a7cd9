import pytest
import torch

from mmseg_al.acquisition.bald import BALDAcquisition
from mmseg_al.acquisition.base import iterate_batches
from mmseg_al.acquisition.functional import bald_scores
from mmseg_al.acquisition.mc_dropout import mc_dropout

from tiny_segmentor import (build_segmentor, build_tiny_model, make_context, query_loader,
                            tiny_deeplabv3plus_cfg)


def test_model_without_decoder_dropout_is_rejected():
    model = build_tiny_model(dropout_ratio=0)
    with pytest.raises(ValueError, match='dropout_ratio'):
        BALDAcquisition(num_samples=3).select(make_context(model), 2)


def test_mc_dropout_switches_on_exactly_the_decoder_dropout():
    tiny_model = build_tiny_model()
    tiny_model.backbone.extra_dropout = torch.nn.Dropout(0.5).eval()
    with mc_dropout(tiny_model) as layers:
        assert layers == [tiny_model.decode_head.dropout]
        assert tiny_model.decode_head.dropout.training
        assert not tiny_model.backbone.extra_dropout.training
        assert not tiny_model.decode_head.training  # BatchNorm keeps its statistics
    assert not tiny_model.decode_head.dropout.training
    with pytest.raises(RuntimeError), mc_dropout(tiny_model):
        raise RuntimeError
    assert not tiny_model.decode_head.dropout.training


def _full_forward_scores(model, acquisition, inputs, data_samples):
    """Reference: T complete forward passes per image, stacked, then ``bald_scores``."""
    scores = []
    with mc_dropout(model):
        for i, sample in enumerate(data_samples):
            with torch.random.fork_rng():
                torch.manual_seed(acquisition.image_seed(sample.metainfo))
                mc = torch.stack([
                    model.encode_decode(inputs[i:i + 1], [sample.metainfo]).softmax(1)
                    for _ in range(acquisition.num_samples)])
            scores.append(bald_scores(mc))
    return torch.cat(scores)


@pytest.mark.parametrize('dropout_inside_decoder', [False, True])
@torch.no_grad()
def test_encoder_once_equals_full_forward_passes(dropout_inside_decoder):
    model = build_tiny_model(dropout_ratio=0.5)
    model.decode_head.conv_seg.weight.mul_(100)  # confident, so the samples disagree
    if dropout_inside_decoder:
        # A second sampling layer before the classifier: the whole decoder runs T times.
        head = model.decode_head
        head.sep_bottleneck = torch.nn.Sequential(head.sep_bottleneck, torch.nn.Dropout2d(0.3))
        head.eval()
    ctx = make_context(model, num_unlabeled=3)
    # With two sampling layers, batched passes draw the masks in another order than
    # sequential passes; one pass per call reproduces them exactly.
    acquisition = BALDAcquisition(num_samples=6,
                                  samples_per_forward=1 if dropout_inside_decoder else None)
    batch = next(iterate_batches(model, ctx.unlabeled_loader, 'x'))
    ours = acquisition.score_batch(model, *batch)
    expected = _full_forward_scores(model, acquisition, *batch)
    assert ours.tolist() == pytest.approx(expected.tolist(), rel=1e-4)
    assert min(ours) > 1e-3


@torch.no_grad()
def test_scores_do_not_depend_on_batching_or_chunking():
    model = build_tiny_model(dropout_ratio=0.5)
    ctx = make_context(model, num_unlabeled=5)
    reference = BALDAcquisition(num_samples=5).select(ctx, 2)
    dataset = ctx.unlabeled_loader.dataset
    ctx.unlabeled_loader = query_loader(dataset, batch_size=3)
    other = BALDAcquisition(num_samples=5, samples_per_forward=2).select(ctx, 2)
    assert other.ids == reference.ids
    assert list(other.scores.values()) == pytest.approx(list(reference.scores.values()), rel=1e-5)
    # Another cycle draws other masks.
    ctx.cycle = 1
    assert BALDAcquisition(num_samples=5).select(ctx, 2).scores != reference.scores


def test_rejects_too_few_samples():
    with pytest.raises(ValueError, match='num_samples'):
        BALDAcquisition(num_samples=1)


@torch.no_grad()
def test_study_mcd_head_with_dropout_after_each_decoder_conv():
    """The project's WRN-38 decoder (``*_mcd.py``): three sampling layers, all used."""
    cfg = tiny_deeplabv3plus_cfg()
    cfg['decode_head'] = dict(type='DeepLabV3PlusHead', in_channels=64, in_index=3, channels=16,
                              dilations=(1, 2, 3, 4), c1_in_channels=8, c1_channels=4,
                              decoder_dropout_ratio=0.5, dropout_ratio=0.5, num_classes=3,
                              norm_cfg=dict(type='BN'), align_corners=False)
    model = build_segmentor(cfg)
    model.decode_head.conv_seg.weight.mul_(100)
    with mc_dropout(model) as layers:
        assert len(layers) == 3
    acquisition = BALDAcquisition(num_samples=4, samples_per_forward=1)
    batch = next(iterate_batches(model, make_context(model, 3).unlabeled_loader, 'x'))
    ours = acquisition.score_batch(model, *batch)
    assert ours.tolist() == pytest.approx(
        _full_forward_scores(model, acquisition, *batch).tolist(), rel=1e-4)
    assert min(ours) > 1e-3
