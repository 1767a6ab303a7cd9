"""Coreset (Sener & Savarese, ICLR 2018): batch selection by k-center greedy."""
import torch
from mmengine import dist
from sklearn.random_projection import GaussianRandomProjection

from mmseg_al.acquisition.base import BaseAcquisition, Selection, broadcast_selection
from mmseg_al.acquisition.functional import k_center_greedy, nearest_center_sq_distances
from mmseg_al.acquisition.pooled_features import named_layer, pooled_features
from mmseg_al.registry import ACQUISITIONS

BACKENDS = ('torch', 'faiss')


@ACQUISITIONS.register_module()
class CoresetAcquisition(BaseAcquisition):
    """Pick the batch that best covers the pool in feature space, jointly.

    Features are captured by a forward hook on a named layer (default: the ASPP
    output of mmseg's ``ASPPHead`` / ``DepthwiseSeparableASPPHead``, i.e.
    ``decode_head.bottleneck``) and pooled per image (:mod:`.pooled_features`).
    Labeled images are the initial centers; the greedy then adds the unlabeled
    image farthest from all centers, ``num`` times. ``Selection.scores`` holds
    each pick's distance to its nearest center when it was picked; ``info`` the
    covering radius before and after.

    Args:
        feature_layer (str): dotted module name in the segmentor.
        pooling (str | tuple[int, int]): ``'avg'`` (global average) or a grid
            ``(g, g)`` of average-pooled cells, concatenated (D = C * g * g).
        projection_dim (int, optional): Gaussian random projection of the
            features to this dimension before the greedy (off by default); the
            covering radius is then also reported in the original space.
        backend (str): ``'torch'`` (default; on the model's device) or
            ``'faiss'`` (CPU, or GPU when faiss sees one).
    """

    def __init__(self, feature_layer='decode_head.bottleneck', pooling='avg',
                 projection_dim=None, backend='torch'):
        if backend not in BACKENDS:
            raise ValueError(f'Coreset backend must be one of {BACKENDS}, got {backend!r}')
        if backend == 'faiss':
            from mmseg_al.acquisition.kcenter_faiss import import_faiss
            import_faiss()  # fail at build time, not after the feature pass
        self.grid = _pool_grid(pooling)
        if projection_dim is not None and projection_dim < 1:
            raise ValueError(f'projection_dim must be a positive int or None, got {projection_dim}')
        self.feature_layer = feature_layer
        self.projection_dim = projection_dim
        self.backend = backend

    def check_model(self, model):
        named_layer(model, self.feature_layer)

    def pooled_features(self, model, loader, size, desc, amp=False):
        """Pooled features ``[size, D]`` of a loader's view at this Coreset's layer and grid."""
        return pooled_features(model, loader, size, self.feature_layer, self.grid, desc, amp)

    def select(self, ctx, num):
        unlabeled = self.pooled_features(ctx.model, ctx.unlabeled_loader,
                                         len(ctx.unlabeled_ids), 'coreset features (unlabeled)',
                                         ctx.amp)
        if ctx.labeled_ids:
            labeled = self.pooled_features(ctx.model, ctx.labeled_loader,
                                           len(ctx.labeled_ids), 'coreset features (labeled)',
                                           ctx.amp)
        else:
            labeled = unlabeled.new_empty(0, unlabeled.shape[1])
        selection = None
        if dist.get_rank() == 0:
            device = next(ctx.model.parameters()).device
            selection = self.select_from_features(unlabeled, labeled, num, ctx, device)
        return broadcast_selection(selection)

    def select_from_features(self, unlabeled, labeled, num, ctx, device):
        """k-center greedy on pooled features (centred in place); the selection and diagnostics."""
        info = dict(feature_dim=int(unlabeled.shape[1]), backend=self.backend)
        # Distances are translation invariant; centering in place keeps the
        # ||x||^2 - 2x.c + ||c||^2 form accurate in float32 when images are close
        # relative to their distance from the origin (redundant frames).
        total = unlabeled.sum(0, dtype=torch.float64) + labeled.sum(0, dtype=torch.float64)
        mean = (total / (len(unlabeled) + len(labeled))).to(unlabeled.dtype)
        unlabeled -= mean
        labeled -= mean
        original = None
        if self.projection_dim is not None:
            original = (unlabeled, labeled)
            unlabeled, labeled = random_projection(unlabeled, labeled, self.projection_dim,
                                                   ctx.seed)
            info['projection_dim'] = self.projection_dim
        if self.backend == 'faiss':
            from mmseg_al.acquisition.kcenter_faiss import k_center_greedy_faiss
            picked, radius = k_center_greedy_faiss(unlabeled, labeled, num)
        else:
            picked, radius = k_center_greedy(unlabeled.to(device), labeled.to(device), num)
        info.update(radius_before=float(radius[0]), radius_after=float(radius[-1]))
        if original is not None:
            before, after = covering_radius(*original, picked)
            info.update(radius_before_original_space=before, radius_after_original_space=after)
        return Selection(ids=[ctx.unlabeled_ids[i] for i in picked.tolist()],
                         scores={ctx.unlabeled_ids[i]: float(r)
                                 for i, r in zip(picked.tolist(), radius[:-1].tolist())},
                         info=info)


def random_projection(unlabeled, labeled, dim, seed):
    """Gaussian random projection (Johnson-Lindenstrauss) of both sets to ``dim``.

    Args:
        unlabeled (Tensor): ``[Nu, D]`` float32 features.
        labeled (Tensor): ``[Nl, D]`` float32 features.
        dim (int): target dimension.
        seed (int): seed of the projection matrix.

    Returns:
        tuple[Tensor, Tensor]: ``[Nu, dim]`` and ``[Nl, dim]``.
    """
    projection = GaussianRandomProjection(dim, random_state=seed)
    projection.fit(unlabeled[:1].numpy())
    return (torch.from_numpy(projection.transform(unlabeled.numpy())),
            torch.from_numpy(projection.transform(labeled.numpy())))


def covering_radius(unlabeled, labeled, picked):
    """Covering radius of the pool before and after adding ``picked`` as centers.

    Used to judge picks made elsewhere (e.g. on projected features) in this space.

    Args:
        unlabeled (Tensor): ``[Nu, D]`` features.
        labeled (Tensor): ``[Nl, D]`` features, the initial centers.
        picked (Tensor): indices into ``unlabeled``.

    Returns:
        tuple[float, float]: radius before and after.
    """
    before = nearest_center_sq_distances(unlabeled, labeled)
    after = torch.minimum(before, nearest_center_sq_distances(unlabeled, unlabeled[picked]))
    return float(before.max().sqrt()), float(after.max().sqrt())


def _pool_grid(pooling):
    if pooling == 'avg':
        return (1, 1)
    if (isinstance(pooling, (tuple, list)) and len(pooling) == 2
            and all(isinstance(g, int) and g > 0 for g in pooling)):
        return tuple(pooling)
    raise ValueError(f"Coreset pooling must be 'avg' or a grid (g, g) of positive ints, "
                     f'got {pooling!r}')
