"""The acquisition phase of a cycle, run on the freshly trained model."""
import io
import os.path as osp

import numpy as np
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmseg_al.acquisition.base import AcquisitionContext
from mmseg_al.acquisition.coreset import CoresetAcquisition
from mmseg_al.analysis.diagnostics import selection_diagnostics
from mmseg_al.fileio import atomic_write_bytes, atomic_write_json
from mmseg_al.registry import ACQUISITIONS, HOOKS

POOL_FEATURES_FILE = 'pool_features.npz'


def inference_segmentor(model):
    """The segmentor an acquisition queries: an SSL wrapper's, or the model itself."""
    model = model.module if is_model_wrapper(model) else model
    return getattr(model, 'inference_segmentor', model)


@HOOKS.register_module()
class AcquisitionHook(Hook):
    """After training, select the next batch to label and write it to ``out_file``.

    The hook only proposes: the cycle driver commits ``out_file`` to the
    experiment state. If ``out_file`` exists the work is done and nothing runs,
    so the phase can be re-entered after an interruption.

    Args:
        acquisition (dict): config of an ``ACQUISITIONS`` entry.
        num_to_select (int): batch size of this acquisition step.
        state_file (str): ``al_state.json`` holding the labeled ids.
        cycle (int): the cycle whose labeled set was trained on.
        query_dataloader (dict): dataloader config (batch size, workers, dataset =
            the pool dataset with the query pipeline); views are built from it.
        out_file (str): where the selection is written (JSON).
        seed (int): experiment seed, for seeded acquisitions.
        feature_file (str, optional): also save pooled ``feature_layer`` features of
            the labeled and unlabeled images here (``.npz``: ``ids``, ``features``
            ``[N, D]``, ``labeled``, ``sequence``), computed as Coreset computes them.
        feature_layer (str): the layer whose output is pooled for ``feature_file``.
    """
    priority = 'LOW'

    def __init__(self, acquisition, num_to_select, state_file, cycle, query_dataloader,
                 out_file, seed=0, feature_file=None, feature_layer='decode_head.bottleneck'):
        self.acquisition = ACQUISITIONS.build(acquisition)
        self.num_to_select = num_to_select
        self.state_file, self.cycle, self.seed = state_file, cycle, seed
        self.query_dataloader, self.out_file = query_dataloader, out_file
        self.feature_file, self.feature_layer = feature_file, feature_layer

    def _loader(self, view):
        cfg = dict(self.query_dataloader)
        cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
        cfg['dataset'] = dict(type='ActiveDataset', dataset=cfg['dataset'], view=view,
                              state_file=self.state_file, cycle=self.cycle,
                              with_labels=False)
        return Runner.build_dataloader(cfg)

    def after_train(self, runner):
        if osp.isfile(self.out_file):
            return
        unlabeled_loader = self._loader('unlabeled')
        unlabeled = unlabeled_loader.dataset
        if self.num_to_select > len(unlabeled):
            raise ValueError(f'Cycle {self.cycle} asks for {self.num_to_select} images but only '
                             f'{len(unlabeled)} are unlabeled.')
        model = inference_segmentor(runner.model)
        was_training = model.training
        model.eval()
        try:
            ctx = AcquisitionContext(
                model=model, unlabeled_loader=unlabeled_loader,
                labeled_loader=self._loader('labeled'),
                unlabeled_ids=unlabeled.view_ids, labeled_ids=unlabeled.labeled_ids,
                seed=self.seed, cycle=self.cycle, work_dir=osp.dirname(self.state_file))
            runner.logger.info(f'Acquisition ({type(self.acquisition).__name__}): selecting '
                               f'{self.num_to_select} of {len(unlabeled)} unlabeled images')
            selection = self.acquisition.select(ctx, self.num_to_select)
            if self.feature_file:
                # Before selection.json: its existence means the whole phase is done.
                self._save_pool_features(ctx)
        finally:
            model.train(was_training)
        if len(selection.ids) != self.num_to_select or len(set(selection.ids)) != len(
                selection.ids):
            raise RuntimeError(f'{type(self.acquisition).__name__} returned '
                               f'{len(selection.ids)} ids ({len(set(selection.ids))} distinct) '
                               f'for a batch of {self.num_to_select}.')
        if dist.get_rank() == 0:
            positions = dict(zip(unlabeled.view_ids, range(len(unlabeled))))
            picked = [unlabeled.get_data_info(positions[s]) for s in selection.ids]
            diagnostics = (selection_diagnostics([(i['sequence'], i['frame']) for i in picked])
                           if all('sequence' in i for i in picked) else None)
            runner.logger.info(f'Selection diagnostics: {diagnostics}')
            atomic_write_json(self.out_file, dict(
                cycle=self.cycle, acquisition=type(self.acquisition).__name__,
                ids=selection.ids, info=selection.info, diagnostics=diagnostics,
                scores=selection.scores))
        dist.barrier()

    def _save_pool_features(self, ctx):
        extractor = CoresetAcquisition(feature_layer=self.feature_layer)
        parts = []
        for loader, ids, labeled in ((ctx.unlabeled_loader, ctx.unlabeled_ids, False),
                                     (ctx.labeled_loader, ctx.labeled_ids, True)):
            if ids:
                features = extractor.pooled_features(ctx.model, loader, len(ids),
                                                     f'pool features ({"un" * (not labeled)}'
                                                     'labeled)')
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
        atomic_write_bytes(self.feature_file, buffer.getvalue())
