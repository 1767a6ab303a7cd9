"""The s4GAN discriminator: is this (class map, image) pair real or predicted?"""
import torch
from mmengine.model import BaseModule
from torch import nn

from mmseg_al.registry import MODELS


@MODELS.register_module()
class S4GANDiscriminator(BaseModule):
    """Image-level discriminator of s4GAN (Mittal et al.).

    Input: a class map (softmax prediction or one-hot ground truth) concatenated
    with the image scaled to [0, 1]. Four 4x4 stride-2 convolutions, each followed
    by LeakyReLU(0.2) and Dropout2d; global average pooling; a linear layer and a
    sigmoid. The pooled features are returned too: the segmentor's feature-matching
    loss compares their means on real and predicted maps.

    Args:
        in_channels (int): number of classes + 3.
        channels (Sequence[int]): widths of the four convolutions.
        negative_slope (float): of the LeakyReLU.
        dropout_ratio (float): of the Dropout2d after each convolution.
    """

    def __init__(self, in_channels, channels=(64, 128, 256, 512), negative_slope=0.2,
                 dropout_ratio=0.5, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers = []
        for out_channels in channels:
            layers += [nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1),
                       nn.LeakyReLU(negative_slope, inplace=True),
                       nn.Dropout2d(dropout_ratio)]
            in_channels = out_channels
        # The original drops out after the first three blocks only.
        self.convs = nn.Sequential(*layers[:-1])
        self.fc = nn.Linear(in_channels, 1)

    def forward(self, class_maps, images):
        """Score pairs.

        Args:
            class_maps (Tensor): per-class probabilities or one-hot maps, (N, C, H, W).
            images (Tensor): the images scaled to [0, 1], (N, 3, H, W).

        Returns:
            tuple[Tensor, Tensor]: probability of "real", (N,), and the pooled
            features, (N, channels[-1]).
        """
        x = self.convs(torch.cat([class_maps, images], dim=1))
        features = x.mean(dim=(2, 3))
        return torch.sigmoid(self.fc(features)).squeeze(1), features
