"""BADGE (Ash et al., ICLR 2020): k-means++ seeding over gradient embeddings."""
import math

import torch
import torch.nn.functional as F
from mmengine import dist

from mmseg_al.acquisition.base import (BaseAcquisition, Selection, broadcast_selection,
                                       gather_in_order, inference_autocast, iterate_batches,
                                       seeded_generator, valid_mask)
from mmseg_al.acquisition.functional import badge_embeddings, kmeans_pp_seeding
from mmseg_al.registry import ACQUISITIONS


@ACQUISITIONS.register_module()
class BADGEAcquisition(BaseAcquisition):
    """Pick a batch that is uncertain and diverse at once, by its gradient embeddings.

    Each unlabeled image embeds as the gradient of its mean pixel cross-entropy
    (predicted class as label) with respect to the weight of the decode head's
    final 1x1 classifier (:func:`~mmseg_al.acquisition.functional.badge_embeddings`):
    its norm is the model's uncertainty, its direction what the image would
    teach. k-means++ seeding then draws the batch, each image with probability
    proportional to its squared distance to the nearest pick so far. The origin
    (the embedding of a confident image) is the initial center, so the first
    pick is drawn proportional to the squared gradient norm: a soft version of
    the authors' code, which starts from the largest norm. Labeled images are
    not centers, as in the paper. Draws and projection are seeded by
    (experiment seed, cycle).

    The classifier's input and logits are captured by a forward hook, at the
    classifier's resolution, so any mmseg decode head with ``conv_seg`` works.
    Memory: ``N x C x D`` float32 on every rank, e.g. 40,000 images x 19 classes
    x 256 channels = 778 MB (twice that while the rows are stacked), and one
    pass over it per pick. ``projection_dim`` multiplies each batch's embeddings
    by a seeded Gaussian matrix (Johnson-Lindenstrauss) as they are computed, so
    only ``N x projection_dim`` is kept (512: 82 MB), and distances keep their
    ratios within roughly ``1 / sqrt(projection_dim)``. A float16 store is not
    offered: at E = 4,864 the float16 rounding bound of the expanded distance
    (``2 E eps``) exceeds the distances, so each would be recomputed directly.

    Args:
        classifier (str): dotted name of the final 1x1 conv in the segmentor.
        projection_dim (int, optional): project embeddings to this dimension.
    """

    def __init__(self, classifier='decode_head.conv_seg', projection_dim=None):
        if projection_dim is not None and (isinstance(projection_dim, bool) or not isinstance(
                projection_dim, int) or projection_dim < 1):
            raise ValueError(f'projection_dim must be a positive int or None, got '
                             f'{projection_dim!r}')
        self.classifier = classifier
        self.projection_dim = projection_dim

    def check_model(self, model):
        self.classifier_layer(model)

    def classifier_layer(self, model):
        """The classifier module, checked to be a 1x1 conv."""
        try:
            layer = model.get_submodule(self.classifier)
        except AttributeError:
            layer = None
        if not (isinstance(layer, torch.nn.Conv2d) and layer.kernel_size == (1, 1)):
            raise ValueError(
                f'BADGE needs the final 1x1 classifier conv; {self.classifier!r} in '
                f'{type(model).__name__} is {type(layer).__name__}. mmseg decode heads name '
                "it 'decode_head.conv_seg'; set classifier=<dotted name> for another model.")
        return layer

    @torch.no_grad()
    def embeddings(self, ctx, generator):
        """Gradient embeddings ``[Nu, E]`` (CPU, float32) and their norms ``[Nu]``, every rank.

        ``E`` is ``C * D``, or ``projection_dim``. The norms are those before projection.
        """
        layer = self.classifier_layer(ctx.model)
        num_classes, channels = layer.weight.shape[:2]
        projection = None
        if self.projection_dim is not None:
            projection = torch.randn(num_classes * channels, self.projection_dim,
                                     generator=generator) / math.sqrt(self.projection_dim)
            projection = projection.to(layer.weight.device)
        captured = []
        handle = layer.register_forward_hook(
            lambda module, args, output: captured.append((args[0], output)))
        local = []
        try:
            for inputs, data_samples in iterate_batches(ctx.model, ctx.unlabeled_loader,
                                                        'BADGE embeddings'):
                with inference_autocast(ctx.model, ctx.amp):
                    ctx.model.encode_decode(inputs, [s.metainfo for s in data_samples])
                if len(captured) != 1:
                    raise RuntimeError(f'BADGE classifier {self.classifier!r} ran '
                                       f'{len(captured)} times in one forward pass; name '
                                       'the one final classifier.')
                feats, logits = captured.pop()
                valid = F.interpolate(valid_mask(inputs, data_samples)[:, None].float(),
                                      size=logits.shape[-2:], mode='nearest')[:, 0] > 0.5
                embedding = badge_embeddings(F.softmax(logits.float(), dim=1), feats.float(),
                                             valid)
                norms = torch.linalg.vector_norm(embedding, dim=1)
                if projection is not None:
                    embedding = embedding @ projection
                local.extend(zip(embedding.cpu(), norms.cpu()))
        finally:
            handle.remove()
        rows = gather_in_order(local, len(ctx.unlabeled_ids))
        if len(rows) != len(ctx.unlabeled_ids):
            raise RuntimeError(f'Got embeddings of {len(rows)} images for '
                               f'{len(ctx.unlabeled_ids)} ids; the query loader must not '
                               'drop or shuffle items.')
        embeddings, norms = zip(*rows)
        return torch.stack(embeddings), torch.stack(norms)

    def select(self, ctx, num):
        generator = seeded_generator(ctx.seed, ctx.cycle)
        embeddings, norms = self.embeddings(ctx, generator)
        selection = None
        if dist.get_rank() == 0:
            device = next(ctx.model.parameters()).device
            picked = self.select_from_embeddings(embeddings.to(device), num, generator)
            selection = Selection(
                ids=[ctx.unlabeled_ids[i] for i in picked],
                scores=dict(zip(ctx.unlabeled_ids, norms.tolist())),
                info=dict(embedding_dim=int(embeddings.shape[1]),
                          projection_dim=self.projection_dim,
                          gradient_norm_mean_pool=float(norms.mean()),
                          gradient_norm_mean_selected=float(norms[picked].mean())))
        return broadcast_selection(selection)

    @staticmethod
    def select_from_embeddings(embeddings, num, generator):
        """k-means++ seeding from the origin; ``embeddings`` ``[N, E]`` are centred in place.

        Distances are translation invariant; centring keeps the expanded form
        ``|x|^2 - 2 x.c + |c|^2`` accurate in float32 when embeddings are close
        relative to their norms (else most distances need recomputing directly).

        Returns:
            list[int]: ``num`` indices in pick order.
        """
        # In the embeddings' dtype: a float64 reduction would copy them all to float64.
        mean = embeddings.mean(0)
        embeddings -= mean
        return kmeans_pp_seeding(embeddings, num, centers=-mean[None],
                                 generator=generator).tolist()
