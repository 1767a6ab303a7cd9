"""Wide-ResNet-38 ("WiderResNetA2"), dilated to output stride 8: the study's backbone."""
import os.path as osp
import warnings
from collections import OrderedDict, namedtuple

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from mmseg_al.registry import MODELS

CONVERTER = 'tools/convert_wrn38.py'

# One row per residual module (mod2 ... mod7) of the public WRN-38 with
# ``dilation=True``: max-pools downsample before mod2 and mod3, the first block
# of mod4 strides, and mod5-mod7 dilate instead of downsampling (stride 8).
_Stage = namedtuple('_Stage', 'channels num_blocks stride dilation dropout max_pool')
_STAGES = (
    _Stage((128, 128), 3, 1, 1, 0.0, True),  # mod2, stride 2
    _Stage((256, 256), 3, 1, 1, 0.0, True),  # mod3, stride 4
    _Stage((512, 512), 6, 2, 1, 0.0, False),  # mod4, stride 8
    _Stage((512, 1024), 3, 1, 2, 0.0, False),  # mod5
    _Stage((512, 1024, 2048), 1, 1, 4, 0.3, False),  # mod6 (bottleneck)
    _Stage((1024, 2048, 4096), 1, 1, 4, 0.5, False),  # mod7 (bottleneck)
)
_STEM_CHANNELS = 64


class _IdentityResidualBlock(nn.Module):
    """Pre-activation residual block: two 3x3 convs, or 1x1-3x3-1x1 with three channels.

    The shortcut is the identity, or a 1x1 projection of the *pre-activated*
    input when the stride or width changes (as in the public model, whose
    weights this layout receives through ``tools/convert_wrn38.py``).

    Args:
        in_channels (int): Input channels.
        channels (tuple[int]): Output channels of each conv (2 or 3 entries).
        stride (int): Stride of the first conv and the projection.
        dilation (int): Dilation of the 3x3 convs.
        dropout (float): Ratio of a Dropout2d before the last conv; 0 for none.
        norm_cfg (dict): Config of the norm layers.
    """

    def __init__(self, in_channels, channels, stride, dilation, dropout, norm_cfg):
        super().__init__()
        self.is_bottleneck = len(channels) == 3
        self.bn1 = build_norm_layer(norm_cfg, in_channels)[1]
        if self.is_bottleneck:
            self.conv1 = nn.Conv2d(in_channels, channels[0], 1, stride=stride, bias=False)
            self.bn2 = build_norm_layer(norm_cfg, channels[0])[1]
            self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=dilation,
                                   dilation=dilation, bias=False)
            self.bn3 = build_norm_layer(norm_cfg, channels[1])[1]
            self.conv3 = nn.Conv2d(channels[1], channels[2], 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, channels[0], 3, stride=stride,
                                   padding=dilation, dilation=dilation, bias=False)
            self.bn2 = build_norm_layer(norm_cfg, channels[0])[1]
            self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=dilation,
                                   dilation=dilation, bias=False)
        self.dropout = nn.Dropout2d(dropout) if dropout > 0 else None
        if stride != 1 or in_channels != channels[-1]:
            self.proj_conv = nn.Conv2d(in_channels, channels[-1], 1, stride=stride, bias=False)
        else:
            self.proj_conv = None
        self.relu = nn.ReLU(inplace=True)

    def _norm_act(self, norm, x, before_last_conv):
        x = self.relu(norm(x))
        if before_last_conv and self.dropout is not None:
            x = self.dropout(x)
        return x

    def forward(self, x):
        preact = self.relu(self.bn1(x))
        shortcut = x if self.proj_conv is None else self.proj_conv(preact)
        out = self.conv1(preact)
        out = self.conv2(self._norm_act(self.bn2, out, not self.is_bottleneck))
        if self.is_bottleneck:
            out = self.conv3(self._norm_act(self.bn3, out, True))
        out += shortcut
        return out


@MODELS.register_module()
class WideResNet38(BaseModule):
    """Wide-ResNet-38 (WiderResNetA2, blocks [3, 3, 6, 3, 1, 1]) at output stride 8.

    The backbone of the study's DeepLabv3+ (Wu et al., "Wider or Deeper", as
    released with ImageNet weights by mapillary/NVIDIA). Stages are named as in
    the public model: ``mod1`` is the 3x3 stem conv, ``mod2`` ... ``mod7`` the
    residual modules. For an input of HxW they give (index: channels, stride):
    0: 64, 1 | 1: 128, 2 | 2: 256, 4 | 3: 512, 8 | 4: 1024, 8 | 5: 2048, 8 |
    6: 4096, 8. Outputs are the raw residual sums (pre-activation network; the
    public classifier's final norm ``bn_out`` is not part of the trunk).

    ImageNet weights: run ``tools/convert_wrn38.py`` on the public
    ``wider_resnet38.pth.tar`` and point ``init_cfg`` at the result.

    Args:
        in_channels (int): Input image channels. Default: 3.
        out_indices (Sequence[int]): Stages whose outputs are returned, 0-6.
            Default: (1, 6), the stride-2 features and the last stage, which
            DeepLabv3+ fuses.
        norm_cfg (dict): Config of the norm layers (BN or SyncBN).
        frozen_stages (int): Stages 0..frozen_stages are frozen (no grad, norm
            in eval mode); -1 freezes nothing. Default: -1.
        allow_random_init (bool): If the ``Pretrained`` checkpoint in
            ``init_cfg`` is a missing local file, warn and initialise randomly
            instead of raising. Default: False.
        pretrained (str, optional): MMSeg-style shortcut (what EncoderDecoder's
            ``pretrained`` sets) for
            ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
        init_cfg (dict or list[dict], optional): Initialization config. When
            None, Kaiming for convs and 1 for norm weights.
    """

    def __init__(self,
                 in_channels=3,
                 out_indices=(1, 6),
                 norm_cfg=dict(type='BN', requires_grad=True),
                 frozen_stages=-1,
                 allow_random_init=False,
                 pretrained=None,
                 init_cfg=None):
        if pretrained is not None:
            if init_cfg is not None:
                raise ValueError('WideResNet38: give either `pretrained` or `init_cfg`, not both '
                                 f'(got pretrained={pretrained!r}, init_cfg={init_cfg!r}).')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        super().__init__(init_cfg if init_cfg is not None else self._random_init_cfg())
        num_stages = len(_STAGES) + 1
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= i < num_stages for i in out_indices):
            raise ValueError('WideResNet38: out_indices must be stage indices in '
                             f'0..{num_stages - 1}, got {out_indices}.')
        if not -1 <= frozen_stages < num_stages:
            raise ValueError(f'WideResNet38: frozen_stages must be in -1..{num_stages - 1}, '
                             f'got {frozen_stages}.')
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.allow_random_init = allow_random_init

        self.mod1 = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(in_channels, _STEM_CHANNELS, 3, padding=1, bias=False)))
        self.stage_names = ['mod1']
        channels = _STEM_CHANNELS
        for stage_id, stage in enumerate(_STAGES, start=2):
            if stage.max_pool:
                self.add_module(f'pool{stage_id}', nn.MaxPool2d(3, stride=2, padding=1))
            blocks = OrderedDict()
            for block_id in range(stage.num_blocks):
                blocks[f'block{block_id + 1}'] = _IdentityResidualBlock(
                    channels, stage.channels, stride=stage.stride if block_id == 0 else 1,
                    dilation=stage.dilation, dropout=stage.dropout, norm_cfg=norm_cfg)
                channels = stage.channels[-1]
            self.add_module(f'mod{stage_id}', nn.Sequential(blocks))
            self.stage_names.append(f'mod{stage_id}')
        self._freeze_stages()

    @staticmethod
    def _random_init_cfg():
        return [dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]

    @staticmethod
    def missing_checkpoint_hint(checkpoint):
        """How to make the converted checkpoint ``checkpoint`` (also for tools' pre-flight)."""
        return (f'Convert the public ImageNet weights with `python {CONVERTER} '
                f'wider_resnet38.pth.tar {checkpoint}`, or set allow_random_init=True in the '
                'backbone config to train from random weights.')

    def init_weights(self):
        """Initialise, turning a missing converted checkpoint into an actionable error."""
        cfg = self.init_cfg
        is_pretrained = isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'
        checkpoint = cfg.get('checkpoint') if is_pretrained else None
        # Only local paths can be checked here; URLs and model-zoo names go to mmengine.
        if isinstance(checkpoint, str) and '://' not in checkpoint and not osp.isfile(checkpoint):
            message = f'WideResNet38: pretrained checkpoint "{checkpoint}" not found.'
            if not self.allow_random_init:
                raise FileNotFoundError(f'{message} {self.missing_checkpoint_hint(checkpoint)}')
            warnings.warn(f'{message} allow_random_init=True: using random initialisation.')
            self.init_cfg = self._random_init_cfg()
        super().init_weights()

    def _freeze_stages(self):
        for name in self.stage_names[:self.frozen_stages + 1]:
            stage = getattr(self, name)
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def train(self, mode=True):
        """Switch mode while frozen stages (and their norm statistics) stay fixed."""
        super().train(mode)
        self._freeze_stages()
        return self

    def forward(self, x):
        """Run the trunk.

        Args:
            x (Tensor): Images, shape [N, C, H, W].

        Returns:
            tuple[Tensor]: One feature map per index in ``out_indices``; stage i
            has shape [N, C_i, ceil(H / s_i), ceil(W / s_i)] (see class doc).
        """
        outs = []
        for index, name in enumerate(self.stage_names):
            pool = getattr(self, f'pool{index + 1}', None)
            if pool is not None:
                x = pool(x)
            x = getattr(self, name)(x)
            if index in self.out_indices:
                outs.append(x)
        return tuple(outs)

