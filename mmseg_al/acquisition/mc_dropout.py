"""Monte Carlo dropout in the decoder only: dropout layers sampling at inference.

In the manner of baal's ``patch_module``, but without swapping modules: the
dropout layers of ``model.decode_head`` are switched to training mode inside a
context and restored after, so the model and its checkpoint stay untouched.
BatchNorm and the encoder remain in eval mode.
"""
from contextlib import contextmanager

from torch import nn

DROPOUT_TYPES = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                 nn.FeatureAlphaDropout)


def decoder_dropout_layers(model):
    """The dropout layers (p > 0) of ``model.decode_head``.

    Raises:
        ValueError: the model has no decode head, or its decode head has no
            dropout to sample (so every MC pass would be identical).
    """
    head = getattr(model, 'decode_head', None)
    if head is None:
        raise ValueError(f'MC dropout needs a segmentor with a `decode_head`; '
                         f'{type(model).__name__} has none')
    layers = [m for m in head.modules() if isinstance(m, DROPOUT_TYPES) and m.p > 0]
    if not layers:
        raise ValueError(
            f'{type(head).__name__} (model.decode_head) has no dropout layer with p > 0, so '
            'Monte Carlo dropout has nothing to sample. Use a model with decoder dropout: set '
            '`model.decode_head.dropout_ratio` > 0 in the config (see '
            'configs/_base_/models/deeplabv3plus_r18_digits_mcd.py).')
    return layers


@contextmanager
def mc_dropout(model):
    """Context in which exactly the decoder's dropout layers sample.

    Args:
        model (nn.Module): a segmentor with ``decode_head``, usually in eval mode.

    Yields:
        list[nn.Module]: the dropout layers switched on.
    """
    layers = decoder_dropout_layers(model)
    modes = [layer.training for layer in layers]
    try:
        for layer in layers:
            layer.train()
        yield layers
    finally:
        for layer, mode in zip(layers, modes):
            layer.train(mode)
