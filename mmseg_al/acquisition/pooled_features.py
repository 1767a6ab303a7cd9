"""Pooled features of a named layer, one row per image: what Coreset covers.

Coreset selects in this space, and the driver saves the same rows for a t-SNE of
the pool (``active_learning.save_pool_features``), so the picture shows what
Coreset saw. The features are captured by a forward hook on the layer and pooled
per image; under a distributed launch each rank extracts its shard and every rank
gets all rows in dataset order.
"""
import torch
import torch.nn.functional as F

from mmseg_al.acquisition.base import gather_in_order, inference_autocast, iterate_batches


def named_layer(model, name):
    """The module ``name`` of ``model``, or a ValueError naming what exists.

    Args:
        model (nn.Module): the segmentor to query.
        name (str): dotted module name, e.g. ``'decode_head.bottleneck'``.
    """
    try:
        return model.get_submodule(name)
    except AttributeError:
        heads = [n for n, _ in model.named_modules() if n.startswith('decode_head.')
                 and n.count('.') == 1]
        raise ValueError(
            f'feature_layer {name!r} is not a module of {type(model).__name__} (its decode '
            f'head: {type(getattr(model, "decode_head", None)).__name__}). Name one of '
            f'model.named_modules(), e.g. one of {heads[:8]}; the default '
            "'decode_head.bottleneck' exists for ASPPHead / DepthwiseSeparableASPPHead.") from None


@torch.no_grad()
def pooled_features(model, loader, size, layer_name, grid=(1, 1), desc='features', amp=False):
    """Features of ``layer_name`` average-pooled to ``grid`` cells, for a loader's view.

    Args:
        model (nn.Module): the segmentor, in eval mode.
        loader (DataLoader): a query loader (``DefaultSampler(shuffle=False)``).
        size (int): number of images in the view.
        layer_name (str): dotted module name; its output is ``[B, C, H, W]`` or ``[B, D]``.
        grid (tuple[int, int]): cells per image of a 4-D output, concatenated.
        desc (str): label of the progress bar.
        amp (bool): forward passes under CUDA autocast (:func:`inference_autocast`);
            the features are pooled in float32 either way.

    Returns:
        Tensor: ``[size, D]`` float32 on the CPU, on every rank (D = C * cells).
    """
    layer = named_layer(model, layer_name)
    captured = []

    def hook(module, args, output):
        if not torch.is_tensor(output) or output.dim() not in (2, 4):
            raise ValueError(
                f'feature_layer {layer_name!r} must output a tensor [B, C, H, W] or [B, D]; '
                f'got {type(output).__name__} {getattr(output, "shape", "")}. Name another '
                'layer.')
        output = output.float()
        if output.dim() == 4:
            output = F.adaptive_avg_pool2d(output, grid).flatten(1)
        captured.append(output.cpu())

    handle = layer.register_forward_hook(hook)
    local = []
    try:
        for inputs, data_samples in iterate_batches(model, loader, desc):
            with inference_autocast(model, amp):
                model.encode_decode(inputs, [s.metainfo for s in data_samples])
            local.extend(captured.pop())
    finally:
        handle.remove()
    rows = gather_in_order(local, size)
    if len(rows) != size:
        raise RuntimeError(f'Got features of {len(rows)} images for {size} ids; the '
                           'query loader must not drop or shuffle items.')
    return torch.stack(rows) if rows else torch.empty(0, 0)
