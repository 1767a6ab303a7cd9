"""The acquisition phase of a cycle: select the next batch on the trained model.

A plain step of the driver, not a Runner hook: ``ALLoop`` calls it once the cycle
is trained and evaluated, on that cycle's model, and calls it again after an
interruption. It only proposes: the selection is written to the cycle's
``SELECTION_FILE``, whose existence ends the phase, and the driver commits it to
the experiment state.
"""
import io
import os.path as osp

import numpy as np
from mmengine import dist
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmseg_al.acquisition.base import AcquisitionContext
from mmseg_al.acquisition.pooled_features import pooled_features
from mmseg_al.analysis.diagnostics import selection_diagnostics
from mmseg_al.fileio import atomic_write_bytes, atomic_write_json
from mmseg_al.models.segmentors import inference_segmentor
from mmseg_al.work_dir_files import POOL_FEATURES_FILE, SELECTION_FILE, STATE_FILE, cycle_dir


def query_loader(query_dataloader, view, work_dir, cycle):
    """A dataloader over one view (``'labeled'``/``'unlabeled'``) of the pool, in pool order.

    Args:
        query_dataloader (dict): dataloader config (batch size, workers, dataset = the
            pool dataset with the query pipeline).
    """
    cfg = dict(query_dataloader)
    cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    cfg['dataset'] = dict(type='ActiveDataset', dataset=cfg['dataset'], view=view,
                          state_file=osp.join(work_dir, STATE_FILE), cycle=cycle,
                          with_labels=False)
    return Runner.build_dataloader(cfg)


def select_batch(model, acquisition, num_to_select, query_dataloader, work_dir, cycle, seed,
                 feature_layer=None, amp=False):
    """Select ``num_to_select`` unlabeled images with ``acquisition``; write the selection.

    Args:
        model (nn.Module): the trained model (an SSL wrapper or DDP is unwrapped).
        acquisition (BaseAcquisition): built for this cycle.
        num_to_select (int): batch size of this acquisition step.
        query_dataloader (dict): see :func:`query_loader`.
        work_dir (str): the experiment's work dir (its state holds the labeled ids).
        cycle (int): the cycle whose labeled set was trained on.
        seed (int): experiment seed, for seeded acquisitions.
        feature_layer (str, optional): also save this layer's pooled features of the
            labeled and unlabeled images to the cycle's ``POOL_FEATURES_FILE``
            (``.npz``: ``ids``, ``features`` ``[N, D]``, ``labeled``, ``sequence``).
        amp (bool): the model trained with mixed precision; query passes on CUDA run
            under autocast too (``AcquisitionContext.amp``).
    """
    unlabeled_loader = query_loader(query_dataloader, 'unlabeled', work_dir, cycle)
    unlabeled = unlabeled_loader.dataset
    if num_to_select > len(unlabeled):
        raise ValueError(f'Cycle {cycle} asks for {num_to_select} images but only '
                         f'{len(unlabeled)} are unlabeled.')
    name = type(acquisition).__name__
    model = inference_segmentor(model)
    was_training = model.training
    model.eval()
    try:
        ctx = AcquisitionContext(
            model=model, unlabeled_loader=unlabeled_loader,
            labeled_loader=query_loader(query_dataloader, 'labeled', work_dir, cycle),
            unlabeled_ids=unlabeled.view_ids, labeled_ids=unlabeled.labeled_ids,
            seed=seed, cycle=cycle, work_dir=work_dir, amp=amp)
        print_log(f'Acquisition ({name}): selecting {num_to_select} of {len(unlabeled)} '
                  'unlabeled images', logger='current')
        selection = acquisition.select(ctx, num_to_select)
        if feature_layer:
            # Before the selection file: its existence means the whole phase is done.
            save_pool_features(ctx, feature_layer,
                               osp.join(cycle_dir(work_dir, cycle), POOL_FEATURES_FILE))
    finally:
        model.train(was_training)
    if len(selection.ids) != num_to_select or len(set(selection.ids)) != len(selection.ids):
        raise RuntimeError(f'{name} returned {len(selection.ids)} ids '
                           f'({len(set(selection.ids))} distinct) for a batch of '
                           f'{num_to_select}.')
    if dist.get_rank() == 0:
        positions = dict(zip(unlabeled.view_ids, range(len(unlabeled))))
        picked = [unlabeled.get_data_info(positions[s]) for s in selection.ids]
        diagnostics = (selection_diagnostics([(i['sequence'], i['frame']) for i in picked])
                       if all('sequence' in i for i in picked) else None)
        print_log(f'Selection diagnostics: {diagnostics}', logger='current')
        atomic_write_json(osp.join(cycle_dir(work_dir, cycle), SELECTION_FILE), dict(
            cycle=cycle, acquisition=name, ids=selection.ids, info=selection.info,
            diagnostics=diagnostics, scores=selection.scores))
    dist.barrier()


def save_pool_features(ctx, feature_layer, path):
    """Write average-pooled ``feature_layer`` features of both views to ``path`` (rank 0)."""
    parts = []
    for loader, ids, labeled in ((ctx.unlabeled_loader, ctx.unlabeled_ids, False),
                                 (ctx.labeled_loader, ctx.labeled_ids, True)):
        if ids:
            features = pooled_features(ctx.model, loader, len(ids), feature_layer,
                                       desc=f'pool features ({"un" * (not labeled)}labeled)',
                                       amp=ctx.amp)
            infos = [loader.dataset.get_data_info(i) for i in range(len(ids))]
            parts.append((ids, features.numpy(), labeled, infos))
    if dist.get_rank() != 0:
        return
    buffer = io.BytesIO()
    np.savez(buffer, ids=np.array([s for ids, *_ in parts for s in ids]),
             features=np.concatenate([f for _, f, *_ in parts]),
             labeled=np.concatenate([np.full(len(ids), flag) for ids, _, flag, _ in parts]),
             sequence=np.array([str(i.get('sequence', '')) for *_, infos in parts
                                for i in infos]))
    atomic_write_bytes(path, buffer.getvalue())
