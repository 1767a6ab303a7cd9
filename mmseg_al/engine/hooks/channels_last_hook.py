"""Put the model in channels-last memory layout once its weights are in place."""
import torch
from mmengine.hooks import Hook

from mmseg_al.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Before training, convert the model's 4-D weights to channels-last (NHWC) layout.

    Convolutions whose weight is channels-last run in that layout and return
    channels-last activations, which oneDNN on CPUs and tensor cores on GPUs
    prefer, so the inputs need no conversion. It runs after the weights are
    initialised or loaded: random initialisation fills a tensor's memory in order,
    so converting before would draw other initial weights from the same seed. The
    driver adds it with the config switch ``channels_last=True``. Parameters keep
    their identity, so the optimiser built before keeps them.
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner):
        runner.model.to(memory_format=torch.channels_last)
