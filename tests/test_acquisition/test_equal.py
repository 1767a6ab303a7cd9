import pytest
import torch
from torch import nn

from mmseg_al.acquisition.base import iterate_batches
from mmseg_al.acquisition.equal import EquALAcquisition
from mmseg_al.acquisition.functional import entropy_scores, equal_scores

from tiny_segmentor import (ImageList, build_segmentor, build_tiny_model, make_context,
                            query_loader, tiny_deeplabv3plus_cfg)


class PixelwiseBackbone(nn.Module):
    """A 1x1 conv: every output pixel sees only its input pixel.

    With ``with_column_ramp`` a channel holding the column index is added first,
    which breaks flip equivariance but keeps each pixel independent of padding.
    """

    def __init__(self, with_column_ramp=False):
        super().__init__()
        self.with_column_ramp = with_column_ramp
        self.conv = nn.Conv2d(4 if with_column_ramp else 3, 8, 1)

    def forward(self, x):
        if self.with_column_ramp:
            ramp = torch.arange(x.shape[-1], dtype=x.dtype) / 8
            x = torch.cat([x, ramp.expand(x.shape[0], 1, *x.shape[2:])], 1)
        return [torch.tanh(self.conv(x))]


def pixelwise_model(with_column_ramp):
    cfg = tiny_deeplabv3plus_cfg()
    cfg['backbone'] = dict(type=PixelwiseBackbone, with_column_ramp=with_column_ramp)
    cfg['decode_head'] = dict(type='FCNHead', in_channels=8, channels=8, num_convs=0,
                              concat_input=False, kernel_size=1, num_classes=3, in_index=0)
    return build_segmentor(cfg)


def test_equivariant_model_scores_zero():
    selection = EquALAcquisition().select(make_context(pixelwise_model(False)), 3)
    assert max(selection.scores.values()) == pytest.approx(0, abs=1e-6)


def _probs_of_images_and_flipped(tiny_model, ctx):
    images = torch.stack(ctx.unlabeled_loader.dataset.images)
    with torch.no_grad():
        outputs = [tiny_model.predict(tiny_model.data_preprocessor(dict(
            inputs=list(x), data_samples=None))['inputs']) for x in (images, images.flip(-1))]
    return [torch.stack([o.seg_logits.data for o in out]).softmax(1) for out in outputs]


def test_scores_match_flipping_by_hand():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=4)
    scores = EquALAcquisition().select(ctx, 2).scores
    probs, probs_flipped = _probs_of_images_and_flipped(tiny_model, ctx)
    expected = equal_scores(probs, probs_flipped)
    assert [scores[i] for i in ctx.unlabeled_ids] == pytest.approx(expected.tolist(), rel=1e-5)
    assert min(expected) > 0  # a real CNN is not flip-equivariant


def test_entropy_sum_option_scores_as_the_studys_code():
    tiny_model = build_tiny_model()
    ctx = make_context(tiny_model, num_unlabeled=4)
    scores = EquALAcquisition(score='entropy_sum').select(ctx, 2).scores
    probs, probs_flipped = _probs_of_images_and_flipped(tiny_model, ctx)
    expected = entropy_scores(probs) + entropy_scores(probs_flipped)
    assert [scores[i] for i in ctx.unlabeled_ids] == pytest.approx(expected.tolist(), rel=1e-5)
    with pytest.raises(ValueError, match='entropy_sum'):
        EquALAcquisition(score='entropy')


def test_padding_never_enters_the_score():
    model = pixelwise_model(True)
    loader = query_loader(ImageList(2, seed=3, size=(16, 24)), batch_size=2)
    acquisition = EquALAcquisition()
    with torch.no_grad():
        plain = acquisition.score_batch(model, *next(iterate_batches(model, loader, 'x')))
        # Test-time padding to a multiple of 16: the content stays at the left.
        model.data_preprocessor.test_cfg = dict(size_divisor=16)
        inputs, data_samples = next(iterate_batches(model, loader, 'x'))
        padded = acquisition.score_batch(model, inputs, data_samples)
    assert inputs.shape[-1] == 32
    assert padded.tolist() == pytest.approx(plain.tolist(), rel=1e-5)
    assert min(plain) > 0.01  # the column ramp makes the model flip-sensitive
