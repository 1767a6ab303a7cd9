"""DeepLabv3+ decoder on MMSeg's plain ASPP, with optional MC-dropout layers."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import ASPPHead
from mmseg.models.utils import resize

from mmseg_al.registry import MODELS


@MODELS.register_module()
class DeepLabV3PlusHead(ASPPHead):
    """DeepLabv3+ head of the study's WRN-38 network: plain ASPP + low-level fusion.

    MMSeg's ``DepthwiseSeparableASPPHead`` uses separable convs; the study's
    network (NVIDIA's DeepWV3Plus, used by the authors) uses MMSeg's plain
    ``ASPPHead`` on the last stage and fuses its upsampled output with the
    stride-2 features reduced to ``c1_channels``, then two 3x3 convs. This
    head adds exactly that decoder to ``ASPPHead``.

    Named outputs other components rely on:

    * ``bottleneck`` (from ``ASPPHead``): the ASPP output, shape
      [N, channels, H/8, W/8]; Coreset pools it through a forward hook.
    * Dropout layers (``nn.Dropout2d``) exist only in the MC-dropout variant:
      ``decoder_dropout_ratio > 0`` puts one after each decoder conv, and
      ``dropout_ratio > 0`` (MMSeg's) one before ``conv_seg``. BALD's sampler
      switches on the dropout layers of the decode head at inference.

    Differences from the authors' network, kept for MMSeg's idiom: the ASPP
    bottleneck is a 3x3 conv-norm-act (theirs a plain 1x1) and the low-level
    reduction is followed by norm and activation.

    Args:
        c1_in_channels (int): Channels of the low-level (stride-2) features,
            taken from ``inputs[0]``.
        c1_channels (int): Channels the low-level features are reduced to.
        decoder_dropout_ratio (float): Ratio of the Dropout2d after each of the
            two decoder convs; 0 adds none. Default: 0.
        **kwargs: Arguments of ``ASPPHead`` (``dilations``, ``in_index``, ...).
    """

    def __init__(self, c1_in_channels, c1_channels, decoder_dropout_ratio=0.0, **kwargs):
        super().__init__(**kwargs)
        if c1_in_channels <= 0 or c1_channels <= 0:
            raise ValueError('DeepLabV3PlusHead: c1_in_channels and c1_channels must be positive, '
                             f'got {c1_in_channels} and {c1_channels}.')
        if not 0.0 <= decoder_dropout_ratio < 1.0:
            raise ValueError('DeepLabV3PlusHead: decoder_dropout_ratio must be in [0, 1), '
                             f'got {decoder_dropout_ratio}.')
        self.c1_bottleneck = ConvModule(
            c1_in_channels, c1_channels, 1, conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        layers = []
        for in_channels in (self.channels + c1_channels, self.channels):
            layers.append(ConvModule(
                in_channels, self.channels, 3, padding=1, conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg, act_cfg=self.act_cfg))
            if decoder_dropout_ratio > 0:
                layers.append(nn.Dropout2d(decoder_dropout_ratio))
        self.fuse_bottleneck = nn.Sequential(*layers)

    def forward(self, inputs):
        """Segment from backbone features.

        Args:
            inputs (list[Tensor]): Backbone outputs; ``inputs[0]`` the low-level
                features [N, c1_in_channels, H/2, W/2], ``inputs[in_index]`` the
                last stage [N, in_channels, H/8, W/8].

        Returns:
            Tensor: Logits at the low-level resolution, [N, num_classes, H/2, W/2].
        """
        aspp = self._forward_feature(inputs)
        low_level = self.c1_bottleneck(inputs[0])
        aspp = resize(aspp, size=low_level.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)
        output = self.fuse_bottleneck(torch.cat([aspp, low_level], dim=1))
        return self.cls_seg(output)
