"""Auto: the study decides which acquisition suits this pool; then it does the work."""
import os.path as osp

from mmengine import dist

from mmseg_al.acquisition.base import BaseAcquisition
from mmseg_al.fileio import atomic_write_json, read_json
from mmseg_al.registry import ACQUISITIONS

CHOICE_FILE = 'auto_acquisition.json'
# BALD is left out by default: it needs a model with decoder dropout (*_mcd.py).
DEFAULT_CANDIDATES = ('RandomAcquisition', 'EntropyAcquisition', 'EquALAcquisition',
                      'CoresetAcquisition')


@ACQUISITIONS.register_module(name=['AutoAcquisition', 'Auto'])
class AutoAcquisition(BaseAcquisition):
    """Ask the recommender once, at the first acquisition, and delegate to its choice.

    The pool's redundancy is scored from its images (labeled and unlabeled views
    together, no labels read), the recommender is fitted on ``study`` and asked for the
    budget of this experiment; the choice is kept in ``<work_dir>/auto_acquisition.json``
    so every later cycle (and a resumed run) delegates to the same acquisition, and is
    recorded in each selection's ``info['auto']``.

    Args:
        study (str, optional): a study dir or study table CSV (see
            :func:`mmseg_al.analysis.recommend.fit_study`); default the digit-scene
            study (``recommend.DEFAULT_STUDY``).
        budget (str, optional): ``'I-S'``; default read from the experiment itself (the
            initial labeled share and the batch size, as percent of the pool).
        ssl (bool): whether this experiment trains with SSL, so the -SSL results of
            the study are the ones that apply. Whether to use SSL at all is the
            config's choice (``tools/recommend.py --ssl`` answers it beforehand).
        candidates (Sequence[str]): acquisition types to choose from.
        acquisitions (dict, optional): type -> extra config of that acquisition,
            e.g. ``dict(CoresetAcquisition=dict(backend='faiss'))``.
    """

    def __init__(self, study=None, budget=None, ssl=False,
                 candidates=DEFAULT_CANDIDATES, acquisitions=None):
        unknown = [c for c in candidates if ACQUISITIONS.get(c) is None or c in (
            'AutoAcquisition', 'Auto')]
        if unknown or not candidates:
            raise ValueError(f'Auto acquisition candidates must be registered acquisitions '
                             f'other than Auto; got {list(candidates)} (unknown: {unknown}).')
        # Imported here for the reason given in choose().
        from mmseg_al.analysis.recommend import DEFAULT_STUDY, parse_budget
        from mmseg_al.engine.al_loop import ConfigError
        self.study = study or DEFAULT_STUDY
        if not osp.exists(self.study):
            # Fail when the experiment is built, not after its first training cycle.
            raise ConfigError(
                f'Auto acquisition: no study results at {self.study}. Give '
                'active_learning.acquisition.study = a study folder or study table CSV '
                '(README "Which strategy should I use?").')
        if budget is not None:
            parse_budget(budget)
        self.budget, self.ssl = budget, bool(ssl)
        self.candidates = tuple(candidates)
        self.acquisitions = dict(acquisitions or {})
        self.choice = None
        self.delegate = None

    def choose(self, ctx, num):
        """The recommender's answer for this pool (read back if an earlier cycle chose)."""
        # Imported here, not at the top: the pool readers import analysis.redundancy,
        # whose import of acquisition.functional loads this package, so this module.
        from mmseg_al.analysis.pool_images import PoolImages, score_pool
        from mmseg_al.analysis.recommend import fit_study, format_budget
        path = osp.join(ctx.work_dir, CHOICE_FILE) if ctx.work_dir else None
        if path and osp.isfile(path):
            return read_json(path, 'Auto acquisition choice')
        infos = [loader.dataset.get_data_info(i) for loader in (ctx.labeled_loader,
                                                                ctx.unlabeled_loader)
                 for i in range(len(loader.dataset))]
        pool = PoolImages.from_data_infos(infos, source='the AL pool')
        scores = score_pool(pool)
        # The initial share is what was labeled before this experiment's acquisitions.
        budget = self.budget or format_budget(
            100 * (len(ctx.labeled_ids) - ctx.cycle * num) / len(infos), 100 * num / len(infos))
        recommender = fit_study(self.study)
        answer = recommender.recommend(scores['features'].score, budget, ssl=(self.ssl, ),
                                       candidates=self.candidates)
        choice = dict(acquisition=answer['best']['method'], budget=budget, ssl=self.ssl,
                      redundancy=scores['features'].to_dict(top_sequences=3),
                      expected_auc={p['candidate']: [p['auc'], p['std']]
                                    for p in answer['predictions']},
                      study=answer['rests_on'], warnings=answer['warnings'], cycle=ctx.cycle)
        if path and dist.get_rank() == 0:
            atomic_write_json(path, choice)
        return choice

    def select(self, ctx, num):
        if self.choice is None:
            self.choice = self.choose(ctx, num)
            method = self.choice['acquisition']
            self.delegate = ACQUISITIONS.build(dict(type=method, **self.acquisitions.get(method,
                                                                                      {})))
        selection = self.delegate.select(ctx, num)
        selection.info = dict(selection.info, auto=dict(
            acquisition=self.choice['acquisition'], redundancy=self.choice['redundancy']['score'],
            budget=self.choice['budget'], chosen_in_cycle=self.choice['cycle']))
        return selection

